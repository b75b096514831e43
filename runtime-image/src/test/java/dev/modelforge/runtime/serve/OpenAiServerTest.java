package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelforge.engine.generate.Generator;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = TestModelResource.class, restrictToAnnotatedClass = true)
class OpenAiServerTest {

  @TestHTTPResource("/")
  URL base;

  ServerClient client;

  @BeforeEach
  void waitUntilReady() throws Exception {
    client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
  }

  private static String completion(String prompt, int maxTokens, boolean stream) {
    return """
        {"model": "tiny", "prompt": %s, "max_tokens": %d, "temperature": 0, "stream": %s}
        """
        .formatted(ServerClient.JSON.valueToTree(prompt), maxTokens, stream);
  }

  /** The token ids the engine alone generates greedily for the prompt (EOS ignored). */
  private static int[] engineGreedyIds(String prompt, int maxTokens) throws Exception {
    Path dir = Files.createTempDirectory("modelforge-reference");
    TestModelResource.writeModel(dir);
    try (LoadedModel model = LoadedModel.open(dir, null);
        Parallel pool = new Parallel(1)) {
      Tokenizer tok = Tokenizer.load(dir);
      return new Generator(model.model(), pool)
          .generate(
              tok.encode(prompt, true), SamplingParams.greedy(maxTokens), Set.of(), null, null)
          .tokenIds();
    }
  }

  /** What the engine alone generates greedily for the prompt with EOS ignored, decoded. */
  private static String engineGreedyText(String prompt, int maxTokens) throws Exception {
    Path dir = Files.createTempDirectory("modelforge-reference");
    TestModelResource.writeModel(dir);
    return Tokenizer.load(dir).decode(engineGreedyIds(prompt, maxTokens), true);
  }

  /** What the engine alone generates greedily for the prompt, decoded. */
  private static String engineGreedy(String prompt, int maxTokens) throws Exception {
    Path dir = Files.createTempDirectory("modelforge-reference");
    TestModelResource.writeModel(dir);
    try (LoadedModel model = LoadedModel.open(dir, null);
        Parallel pool = new Parallel(1)) {
      Tokenizer tok = Tokenizer.load(dir);
      int[] ids =
          new Generator(model.model(), pool)
              .generate(
                  tok.encode(prompt, true),
                  SamplingParams.greedy(maxTokens),
                  Set.of(258),
                  null,
                  null)
              .tokenIds();
      return tok.decode(ids, true);
    }
  }

  @Test
  void healthModelsAndLiveness() {
    assertThat(client.get("/health/live").status()).isEqualTo(200);
    JsonNode models = client.get("/v1/models").json();
    assertThat(models.path("object").asText()).isEqualTo("list");
    assertThat(models.path("data").get(0).path("id").asText()).isEqualTo("tiny");
    assertThat(models.path("data").get(0).path("max_model_len").asInt())
        .isEqualTo(TestModelResource.CONTEXT);
  }

  /**
   * The paths vLLM users and load balancers call besides the API, and what a wrong model or path
   * gets: OpenAI-shaped JSON, 404 as vLLM answers.
   */
  @Test
  void healthPingVersionModelByIdAndNotFoundAnswerAsVllmDoes() {
    assertThat(client.get("/health").status()).isEqualTo(200);
    assertThat(client.get("/ping").status()).isEqualTo(200);
    assertThat(client.get("/version").json().path("version").asText()).isNotBlank();

    JsonNode tiny = client.get("/v1/models/tiny").json();
    assertThat(tiny.path("id").asText()).isEqualTo("tiny");
    assertThat(tiny.path("object").asText()).isEqualTo("model");

    ServerClient.Reply missing = client.get("/v1/models/gpt-4");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().path("error").path("message").asText())
        .startsWith("The model `gpt-4` does not exist.");

    ServerClient.Reply wrongModel =
        client.post("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"x\"}");
    assertThat(wrongModel.status()).isEqualTo(404);
    assertThat(wrongModel.json().path("error").path("code").asText()).isEqualTo("model_not_found");
    assertThat(wrongModel.json().path("error").path("param").asText()).isEqualTo("model");

    for (String path : List.of("/v1/responses", "/nothing/here")) {
      ServerClient.Reply r = client.post(path, "{}");
      assertThat(r.status()).as(path).isEqualTo(404);
      assertThat(r.json().path("error").path("message").asText())
          .as(path)
          .contains("no route for POST " + path);
    }
  }

  /** A list of prompts is a batch, as in vLLM: n choices per prompt, indexed prompt by prompt. */
  @Test
  void aListOfPromptsGetsNChoicesEachInPromptOrder() throws Exception {
    JsonNode body =
        client
            .post(
                "/v1/completions",
                """
                {"prompt": ["hello world", "stream me"], "n": 2, "max_tokens": 6,
                 "temperature": 0, "ignore_eos": true}
                """)
            .json();
    JsonNode choices = body.path("choices");
    assertThat(choices).hasSize(4);
    String first = engineGreedyText("hello world", 6);
    String second = engineGreedyText("stream me", 6);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      assertThat(choices.get(i).path("index").asInt()).isEqualTo(i);
      texts.add(choices.get(i).path("text").asText());
    }
    assertThat(texts).containsExactly(first, first, second, second);
    assertThat(body.path("usage").path("prompt_tokens").asInt())
        .isEqualTo(
            client.post("/tokenize", "{\"prompt\": \"hello world\"}").json().path("count").asInt()
                + client
                    .post("/tokenize", "{\"prompt\": \"stream me\"}")
                    .json()
                    .path("count")
                    .asInt());
    assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(24);

    ServerClient.Reply refused =
        client.post("/v1/completions", "{\"prompt\": [\"a\", 7], \"max_tokens\": 1}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").path("param").asText()).isEqualTo("prompt");
  }

  @Test
  void aGreedyCompletionIsWhatTheEngineGenerates() throws Exception {
    ServerClient.Reply r = client.post("/v1/completions", completion("hello world", 10, false));

    assertThat(r.status()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("object").asText()).isEqualTo("text_completion");
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("text").asText()).isEqualTo(engineGreedy("hello world", 10));
    assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(11);
    int completionTokens = body.path("usage").path("completion_tokens").asInt();
    assertThat(completionTokens).isBetween(1, 10);
    assertThat(choice.path("finish_reason").asText())
        .isEqualTo(completionTokens == 10 ? "length" : "stop");
  }

  @Test
  void streamingSendsServerSentEventsEndingWithDone() {
    String expected =
        client
            .post("/v1/completions", completion("stream me", 12, false))
            .json()
            .path("choices")
            .get(0)
            .path("text")
            .asText();

    ServerClient.Reply r = client.post("/v1/completions", completion("stream me", 12, true));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> events = ServerClient.events(r.body());
    assertThat(events.getLast()).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = ServerClient.JSON.valueToTree(parse(e));
      JsonNode c = chunk.path("choices").get(0);
      text.append(c.path("text").asText());
      if (!c.path("finish_reason").isNull()) {
        finish = c.path("finish_reason").asText();
      }
    }
    assertThat(text.toString()).isEqualTo(expected);
    assertThat(finish).isIn("length", "stop");
  }

  private static JsonNode parse(String s) {
    try {
      return ServerClient.JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(s, e);
    }
  }

  @Test
  void thirtyTwoConcurrentStreamsGiveTheSequentialGreedyOutputs() throws Exception {
    List<String> prompts = new ArrayList<>();
    List<String> sequential = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      prompts.add("prompt number " + i + (i % 3 == 0 ? " with a longer tail to prefill" : ""));
      sequential.add(
          client
              .post("/v1/completions", completion(prompts.get(i), 8, false))
              .json()
              .path("choices")
              .get(0)
              .path("text")
              .asText());
    }

    List<String> concurrent = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> futures = new ArrayList<>();
      for (String p : prompts) {
        futures.add(
            pool.submit(
                () -> {
                  StringBuilder sb = new StringBuilder();
                  for (String e :
                      ServerClient.events(
                          client.post("/v1/completions", completion(p, 8, true)).body())) {
                    if (!e.equals("[DONE]")) {
                      sb.append(parse(e).path("choices").get(0).path("text").asText());
                    }
                  }
                  return sb.toString();
                }));
      }
      for (Future<String> f : futures) {
        concurrent.add(f.get());
      }
    }

    assertThat(concurrent).isEqualTo(sequential);
  }

  @Test
  void chatCompletionsRenderTheTemplateAndAnswerAsAssistant() {
    ServerClient.Reply r =
        client.post(
            "/v1/chat/completions",
            """
            {"model": "tiny", "messages": [{"role": "system", "content": "Be brief."},
             {"role": "user", "content": "Hi"}], "max_tokens": 6, "temperature": 0,
             "logprobs": true, "top_logprobs": 2}
            """);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
    // <|im_start|> "system\n" "Be brief." <|im_end|> "\n" <|im_start|> "user\n" "Hi" <|im_end|>
    // "\n"
    // <|im_start|> "assistant\n": special tokens are one id each, text one id per byte
    assertThat(body.path("usage").path("prompt_tokens").asInt())
        .isEqualTo(1 + 7 + 9 + 1 + 1 + 1 + 5 + 2 + 1 + 1 + 1 + 10);
    JsonNode content = choice.path("logprobs").path("content");
    assertThat(content.size()).isEqualTo(body.path("usage").path("completion_tokens").asInt());
    assertThat(content.get(0).path("top_logprobs").size()).isEqualTo(2);
  }

  /** Streamed chat chunks carry their tokens' logprobs: together, those of the whole answer. */
  @Test
  void streamedChatChunksCarryTheirTokensLogprobs() {
    String request =
        """
        {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 6, "temperature": 0,
         "ignore_eos": true, "logprobs": true, "top_logprobs": 2, "stream": %s}
        """;
    JsonNode whole =
        client
            .post("/v1/chat/completions", request.formatted("false"))
            .json()
            .path("choices")
            .get(0)
            .path("logprobs")
            .path("content");

    List<JsonNode> streamed = new ArrayList<>();
    for (String e :
        ServerClient.events(
            client.post("/v1/chat/completions", request.formatted("true")).body())) {
      if (e.equals("[DONE]")) {
        continue;
      }
      JsonNode logprobs = parse(e).path("choices").get(0).path("logprobs");
      if (!logprobs.isNull()) {
        logprobs.path("content").forEach(streamed::add);
      }
    }
    assertThat(whole).hasSize(6);
    // The same tokens with the same alternatives; the second request reuses the first's cached
    // prompt blocks, which may move a logprob in its last float bits.
    assertThat(streamed).hasSameSizeAs(whole);
    for (int i = 0; i < whole.size(); i++) {
      assertSameLogprob(streamed.get(i), whole.get(i));
      for (int k = 0; k < whole.get(i).path("top_logprobs").size(); k++) {
        assertSameLogprob(
            streamed.get(i).path("top_logprobs").get(k), whole.get(i).path("top_logprobs").get(k));
      }
      assertThat(streamed.get(i).path("top_logprobs"))
          .hasSameSizeAs(whole.get(i).path("top_logprobs"));
    }
  }

  private static void assertSameLogprob(JsonNode actual, JsonNode expected) {
    assertThat(actual.path("token")).isEqualTo(expected.path("token"));
    assertThat(actual.path("bytes")).isEqualTo(expected.path("bytes"));
    assertThat(actual.path("logprob").asDouble())
        .isCloseTo(expected.path("logprob").asDouble(), within(1e-5));
  }

  @Test
  void badRequestsGetAnOpenAiErrorAndTheServerCarriesOn() {
    record Case(String path, String body, String param) {}
    List<Case> cases =
        List.of(
            new Case("/v1/completions", "{not json", null),
            new Case("/v1/completions", "", null),
            new Case("/v1/completions", "{\"prompt\": \"x\", \"temperature\": 7}", "temperature"),
            new Case("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -1}", "max_tokens"),
            new Case("/v1/completions", "{\"prompt\": \"x\", \"n\": 0}", "n"),
            new Case("/v1/completions", "{\"prompt\": \"" + "y".repeat(300) + "\"}", "prompt"),
            new Case("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1000}", "max_tokens"),
            new Case("/v1/completions", "{\"prompt\": [1, 2, 99999]}", "prompt"),
            new Case("/v1/chat/completions", "{\"messages\": []}", "messages"),
            new Case(
                "/v1/chat/completions",
                "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}",
                "messages"));

    for (Case c : cases) {
      ServerClient.Reply r = client.post(c.path(), c.body());
      assertThat(r.status()).as(c.body()).isEqualTo(400);
      JsonNode error = r.json().path("error");
      assertThat(error.path("message").asText()).as(c.body()).isNotBlank();
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      if (c.param() != null) {
        assertThat(error.path("param").asText()).as(c.body()).isEqualTo(c.param());
      }
    }
    assertThat(client.post("/v1/completions", completion("still fine", 2, false)).status())
        .isEqualTo(200);
  }

  /**
   * logit_bias is added to the logits: +100 on one token makes greedy decoding emit only it, -100
   * on the token greedy decoding chose first keeps it out of the first place.
   */
  @Test
  void logitBiasChangesWhatIsGenerated() throws Exception {
    int forced = 65;
    JsonNode boosted =
        client
            .post(
                "/v1/completions",
                """
                {"prompt": "hello world", "max_tokens": 4, "temperature": 0, "ignore_eos": true,
                 "logit_bias": {"%d": 100}}
                """
                    .formatted(forced))
            .json();
    String forcedText =
        client.post("/detokenize", "{\"tokens\": [65, 65, 65, 65]}").json().path("prompt").asText();
    assertThat(boosted.path("choices").get(0).path("text").asText()).isEqualTo(forcedText);

    int greedyFirst = engineGreedyIds("hello world", 1)[0];
    String greedyText =
        client
            .post("/detokenize", "{\"tokens\": [" + greedyFirst + "]}")
            .json()
            .path("prompt")
            .asText();
    String unbiased =
        client
            .post(
                "/v1/completions",
                "{\"prompt\": \"hello world\", \"max_tokens\": 1, \"temperature\": 0,"
                    + " \"ignore_eos\": true}")
            .json()
            .path("choices")
            .get(0)
            .path("text")
            .asText();
    assertThat(unbiased).isEqualTo(greedyText);
    String banned =
        client
            .post(
                "/v1/completions",
                "{\"prompt\": \"hello world\", \"max_tokens\": 1, \"temperature\": 0,"
                    + " \"ignore_eos\": true, \"logit_bias\": {\""
                    + greedyFirst
                    + "\": -100}}")
            .json()
            .path("choices")
            .get(0)
            .path("text")
            .asText();
    assertThat(banned).isNotEqualTo(greedyText);
  }

  /**
   * What the server does not implement is refused with a 400 naming the field, never ignored; the
   * same fields at their no-op values are accepted.
   */
  @Test
  void unsupportedFieldsAreRefusedByNameAndTheirNoOpValuesAccepted() {
    record Case(String path, String extra, String param) {}
    String chat = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 2";
    String completion = "\"prompt\": \"hi\", \"max_tokens\": 2";
    List<Case> refused =
        List.of(
            new Case(
                "/v1/chat/completions",
                "\"response_format\": {\"type\": \"yaml\"}",
                "response_format"),
            new Case(
                "/v1/chat/completions",
                "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]",
                "tools"),
            new Case("/v1/chat/completions", "\"tool_choice\": \"required\"", "tool_choice"),
            new Case(
                "/v1/chat/completions", "\"chat_template_kwargs\": [1]", "chat_template_kwargs"),
            new Case("/v1/chat/completions", "\"top_logprobs\": 2", "top_logprobs"),
            new Case("/v1/chat/completions", "\"best_of\": 3", "best_of"),
            new Case("/v1/completions", "\"guided_json\": {\"not\": {}}", "guided_json"),
            new Case("/v1/completions", "\"tools\": [], \"tool_choice\": \"auto\"", "tool_choice"),
            new Case("/v1/completions", "\"suffix\": \"end\"", "suffix"),
            new Case("/v1/completions", "\"no_such_field\": 1", "no_such_field"),
            new Case("/v1/completions", "\"stream\": \"yes\"", "stream"),
            new Case("/v1/completions", "\"logit_bias\": {\"abc\": 5}", "logit_bias"),
            new Case("/v1/completions", "\"logit_bias\": {\"5\": 101}", "logit_bias"));
    for (Case c : refused) {
      String body = "{" + (c.path().contains("chat") ? chat : completion) + ", " + c.extra() + "}";
      ServerClient.Reply r = client.post(c.path(), body);
      assertThat(r.status()).as(body).isEqualTo(400);
      JsonNode error = r.json().path("error");
      assertThat(error.path("param").asText()).as(body).isEqualTo(c.param());
      assertThat(error.path("message").asText()).as(body).contains(c.param());
    }
    List<Case> noOps =
        List.of(
            new Case("/v1/chat/completions", "\"response_format\": {\"type\": \"text\"}", null),
            new Case("/v1/chat/completions", "\"tools\": [], \"tool_choice\": \"none\"", null),
            new Case(
                "/v1/chat/completions", "\"user\": \"someone\", \"seed\": 9007199254740993", null),
            new Case("/v1/completions", "\"best_of\": 1", null));
    for (Case c : noOps) {
      String body = "{" + (c.path().contains("chat") ? chat : completion) + ", " + c.extra() + "}";
      assertThat(client.post(c.path(), body).status()).as(body).isEqualTo(200);
    }
  }

  @Test
  void adaptersLoadAndUnloadAtRunTimeAndMixWithTheBaseInOneBatch() throws Exception {
    Path dir = TestModelResource.writeAdapter(Files.createTempDirectory("modelforge-adapter"), 5);
    String prompt = "adapters change answers";
    String base =
        client
            .post("/v1/completions", completion(prompt, 8, false))
            .json()
            .path("choices")
            .get(0)
            .path("text")
            .asText();

    ServerClient.Reply load =
        client.post(
            "/v1/load_lora_adapter", "{\"lora_name\": \"sql\", \"lora_path\": \"" + dir + "\"}");
    assertThat(load.status()).as(load.body()).isEqualTo(200);
    JsonNode models = client.get("/v1/models").json().path("data");
    assertThat(models.size()).isEqualTo(2);
    assertThat(models.get(1).path("id").asText()).isEqualTo("sql");
    assertThat(models.get(1).path("parent").asText()).isEqualTo("tiny");

    String adapted = completionText("sql", prompt);
    assertThat(adapted).isNotEqualTo(base);
    assertThat(promptScores("sql", prompt))
        .as("echo with logprobs scores the prompt through the adapter the request names")
        .isNotEqualTo(promptScores("tiny", prompt));

    List<String> mixed = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> f = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String model = i % 2 == 0 ? "sql" : "tiny";
        f.add(pool.submit(() -> completionText(model, prompt)));
      }
      for (Future<String> x : f) {
        mixed.add(x.get());
      }
    }
    assertThat(mixed).containsExactly(adapted, base, adapted, base, adapted, base);

    JsonNode structured =
        client
            .post(
                "/v1/completions",
                "{\"model\": \"sql\", \"prompt\": \"q\", \"max_tokens\": 20, \"n\": 3,"
                    + " \"seed\": 2, \"guided_regex\": \"SELECT [a-z]{1,6};\"}")
            .json();
    for (JsonNode c : structured.path("choices")) {
      assertThat(c.path("text").asText())
          .as("structured output through an adapter")
          .matches("SELECT [a-z]{1,6};");
    }
    assertThat(client.get("/metrics").body())
        .as("vLLM's lora_requests_info counts the loaded adapter")
        .containsPattern("vllm:lora_requests_info\\{[^}]*max_lora=\"1\"");
    assertThat(client.post("/v1/unload_lora_adapter", "{\"lora_name\": \"sql\"}").status())
        .isEqualTo(200);
    ServerClient.Reply gone =
        client.post("/v1/completions", "{\"model\": \"sql\", \"prompt\": \"x\"}");
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.json().path("error").path("code").asText()).isEqualTo("model_not_found");
    ServerClient.Reply bad =
        client.post(
            "/v1/load_lora_adapter", "{\"lora_name\": \"bad\", \"lora_path\": \"/no/such/dir\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("error").path("message").asText()).contains("/no/such/dir");
  }

  private List<Double> promptScores(String model, String prompt) throws Exception {
    String body =
        "{\"model\": \""
            + model
            + "\", \"prompt\": \""
            + prompt
            + "\", \"max_tokens\": 0,"
            + " \"echo\": true, \"logprobs\": 0}";
    JsonNode lp =
        client.post("/v1/completions", body).json().path("choices").get(0).path("logprobs");
    List<Double> scores = new ArrayList<>();
    for (int i = 1; i < lp.path("token_logprobs").size(); i++) {
      scores.add(lp.path("token_logprobs").get(i).asDouble());
    }
    assertThat(scores).hasSize(prompt.length() - 1);
    return scores;
  }

  private String completionText(String model, String prompt) {
    String body =
        """
        {"model": "%s", "prompt": %s, "max_tokens": 8, "temperature": 0}
        """
            .formatted(model, ServerClient.JSON.valueToTree(prompt));
    ServerClient.Reply r = client.post("/v1/completions", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("model").asText()).isEqualTo(model);
    return r.json().path("choices").get(0).path("text").asText();
  }

  /**
   * A client that goes away mid-stream frees its sequence: the engine stops generating for it
   * (generation tokens stop growing well short of max_tokens) and nothing stays running.
   */
  @Test
  void aClientThatDisconnectsMidStreamIsCancelled() throws Exception {
    double generatedBefore = metric("vllm:generation_tokens_total");
    String body =
        """
        {"model": "tiny", "prompt": "hello", "max_tokens": 240, "temperature": 0,
         "ignore_eos": true, "stream": true}
        """;
    try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + body)
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.flush();
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      String line;
      do {
        line = in.readLine();
      } while (line != null && !line.startsWith("data: {"));
      assertThat(line).as("a first streamed chunk").isNotNull();
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> metric("vllm:num_requests_running") == 0);
    double generated = metric("vllm:generation_tokens_total") - generatedBefore;
    assertThat(generated).as("tokens generated for the abandoned request").isLessThan(240);
    Thread.sleep(500);
    assertThat(metric("vllm:generation_tokens_total") - generatedBefore)
        .as("nothing more after the cancel")
        .isEqualTo(generated);
  }

  @Test
  void tokenizeAndDetokenizeRoundTrip() {
    JsonNode t = client.post("/tokenize", "{\"prompt\": \"héllo\"}").json();
    assertThat(t.path("count").asInt()).isEqualTo(6); // é is two bytes

    JsonNode d = client.post("/detokenize", "{\"tokens\": " + t.path("tokens") + "}").json();

    assertThat(d.path("prompt").asText()).isEqualTo("héllo");
  }

  @Test
  void aRepeatedPrefixHitsThePrefixCacheAndMetricsShowIt() {
    String prompt = "a shared system prompt that is long enough to fill several blocks. question ";
    client.post("/v1/completions", completion(prompt + "one", 2, false));
    double before = metric("vllm:prefix_cache_hits_total");

    client.post("/v1/completions", completion(prompt + "two", 2, false));

    assertThat(metric("vllm:prefix_cache_hits_total")).isGreaterThanOrEqualTo(before + 64);
    String metrics = client.get("/metrics").body();
    for (String name :
        List.of(
            "vllm:num_requests_running",
            "vllm:num_requests_waiting",
            "vllm:kv_cache_usage_perc",
            "vllm:prefix_cache_queries_total",
            "vllm:prompt_tokens_total",
            "vllm:generation_tokens_total",
            "vllm:request_success_total",
            "vllm:num_preemptions_total",
            "vllm:time_to_first_token_seconds_bucket",
            "vllm:inter_token_latency_seconds_bucket",
            "vllm:e2e_request_latency_seconds_bucket",
            "vllm:request_queue_time_seconds_bucket")) {
      assertThat(metrics).contains(name);
    }
  }

  /**
   * vLLM's stop_reason names the stop string or stop token id that ended a choice;
   * include_stop_str_in_output keeps the string.
   */
  @Test
  void stopReasonNamesWhatStoppedAndTheStopStringCanBeKept() {
    String prompt = "stop reasons";
    String free =
        client
            .post(
                "/v1/completions",
                completion(prompt, 24, false).replace("}", ", \"ignore_eos\": true}"))
            .json()
            .path("choices")
            .get(0)
            .path("text")
            .asText();
    String stop = free.substring(6, 9);
    int at = free.indexOf(stop);
    String body =
        "{\"model\": \"tiny\", \"prompt\": \""
            + prompt
            + "\", \"max_tokens\": 24, \"temperature\": 0,"
            + " \"ignore_eos\": true, \"stop\": "
            + ServerClient.JSON.valueToTree(stop);
    JsonNode cut = client.post("/v1/completions", body + "}").json().path("choices").get(0);
    assertThat(cut.path("text").asText()).isEqualTo(free.substring(0, at));
    assertThat(cut.path("finish_reason").asText()).isEqualTo("stop");
    assertThat(cut.path("stop_reason").asText()).isEqualTo(stop);

    JsonNode kept =
        client
            .post("/v1/completions", body + ", \"include_stop_str_in_output\": true}")
            .json()
            .path("choices")
            .get(0);
    assertThat(kept.path("text").asText()).isEqualTo(free.substring(0, at) + stop);

    JsonNode ids =
        client
            .post("/tokenize", "{\"prompt\": " + ServerClient.JSON.valueToTree(free) + "}")
            .json();
    int stopId = ids.path("tokens").get(0).asInt();
    JsonNode byId =
        client
            .post(
                "/v1/completions",
                completion(prompt, 24, false)
                    .replace("}", ", \"stop_token_ids\": [" + stopId + "]}"))
            .json()
            .path("choices")
            .get(0);
    assertThat(byId.path("text").asText()).isEmpty();
    assertThat(byId.path("stop_reason").asInt()).isEqualTo(stopId);

    JsonNode length = client.post("/v1/completions", completion(prompt, 2, false)).json();
    assertThat(length.path("choices").get(0).path("stop_reason").isNull()).isTrue();
  }

  /** echo with logprobs scores the prompt itself: vLLM's way to score a text (max_tokens 0). */
  @Test
  void echoWithLogprobsScoresThePromptTokens() throws Exception {
    String prompt = "score me";
    JsonNode scored =
        client
            .post(
                "/v1/completions",
                completion(prompt, 0, false).replace("}", ", \"echo\": true, \"logprobs\": 2}"))
            .json()
            .path("choices")
            .get(0);
    JsonNode lp = scored.path("logprobs");
    assertThat(lp.path("tokens").size()).isEqualTo(prompt.length()); // one token per byte
    assertThat(lp.path("token_logprobs").get(0).isNull()).isTrue();
    assertThat(lp.path("top_logprobs").get(0).isNull()).isTrue();
    for (int i = 1; i < prompt.length(); i++) {
      assertThat(lp.path("token_logprobs").get(i).asDouble()).isLessThanOrEqualTo(0);
      // keyed by text, as the legacy format is: two bytes that each decode to U+FFFD share a key
      assertThat(lp.path("top_logprobs").get(i).size()).isBetween(1, 2);
      assertThat(lp.path("text_offset").get(i).asInt()).isEqualTo(i);
    }

    JsonNode generated =
        client
            .post(
                "/v1/completions",
                completion(prompt, 3, false)
                    .replace("}", ", \"echo\": true, \"logprobs\": 1, \"ignore_eos\": true}"))
            .json()
            .path("choices")
            .get(0)
            .path("logprobs");
    assertThat(generated.path("tokens").size()).isEqualTo(prompt.length() + 3);
    assertThat(generated.path("token_logprobs").get(3).asDouble())
        .as("the prompt's scores do not depend on what follows")
        .isCloseTo(lp.path("token_logprobs").get(3).asDouble(), within(1e-5));
    assertThat(generated.path("text_offset").get(prompt.length()).asInt())
        .isEqualTo(prompt.length());

    String stream =
        client
            .post(
                "/v1/completions",
                completion(prompt, 2, true).replace("}", ", \"echo\": true, \"logprobs\": 1}"))
            .body();
    JsonNode first = ServerClient.JSON.readTree(ServerClient.events(stream).getFirst());
    assertThat(first.path("choices").get(0).path("text").asText()).isEqualTo(prompt);
    assertThat(first.path("choices").get(0).path("logprobs").path("tokens").size())
        .isEqualTo(prompt.length());
  }

  /** Streamed completions carry their tokens' logprobs, offsets into the whole text. */
  @Test
  void streamedCompletionChunksCarryLogprobs() throws Exception {
    String body =
        completion("logprobs", 6, true).replace("}", ", \"logprobs\": 2, \"ignore_eos\": true}");
    int tokens = 0;
    int lastOffset = -1;
    for (String event : ServerClient.events(client.post("/v1/completions", body).body())) {
      if (event.equals("[DONE]")) {
        continue;
      }
      JsonNode lp = ServerClient.JSON.readTree(event).path("choices").get(0).path("logprobs");
      for (int i = 0; i < lp.path("tokens").size(); i++) {
        assertThat(lp.path("top_logprobs").get(i).size()).isBetween(1, 2);
        assertThat(lp.path("text_offset").get(i).asInt()).isGreaterThanOrEqualTo(lastOffset);
        lastOffset = lp.path("text_offset").get(i).asInt();
        tokens++;
      }
    }
    assertThat(tokens).isEqualTo(6);
  }

  /** /v1/embeddings: one unit vector per input, as floats or base64, with usage. */
  @Test
  void embeddingsArePooledUnitVectorsInEitherEncoding() {
    JsonNode floats =
        client
            .post(
                "/v1/embeddings",
                "{\"model\": \"tiny\", \"input\": [\"the cat\", \"the dog\", [104, 105]]}")
            .json();
    assertThat(floats.path("data").size()).isEqualTo(3);
    assertThat(floats.path("usage").path("prompt_tokens").asInt()).isEqualTo(7 + 7 + 2);
    JsonNode first = floats.path("data").get(0).path("embedding");
    assertThat(first.size()).isEqualTo(TestModelResource.config().dim());
    double norm = 0;
    for (JsonNode v : first) {
      norm += v.asDouble() * v.asDouble();
    }
    assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));

    JsonNode b64 =
        client
            .post(
                "/v1/embeddings",
                "{\"model\": \"tiny\", \"input\": \"the cat\", \"encoding_format\": \"base64\"}")
            .json();
    byte[] raw =
        java.util.Base64.getDecoder().decode(b64.path("data").get(0).path("embedding").asText());
    var buf = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (JsonNode v : first) {
      assertThat(buf.getFloat()).isEqualTo(v.floatValue());
    }

    var tooWide = client.post("/v1/embeddings", "{\"input\": \"x\", \"dimensions\": 3}");
    assertThat(tooWide.status()).isEqualTo(400);
    assertThat(tooWide.json().path("error").path("param").asText()).isEqualTo("dimensions");
    var empty = client.post("/v1/embeddings", "{\"input\": []}");
    assertThat(empty.status()).isEqualTo(400);
    var tooLong = client.post("/v1/embeddings", "{\"input\": \"" + "x".repeat(300) + "\"}");
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().path("error").path("message").asText())
        .contains("maximum context length");
  }

  /** max_tokens 0 is vLLM's echo without generation, and a 400 without echo. */
  @Test
  void maxTokensZeroEchoesThePromptOrIsRefused() {
    var refused = client.post("/v1/completions", completion("zero", 0, false));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("error").path("param").asText()).isEqualTo("max_tokens");

    JsonNode echoed =
        client
            .post("/v1/completions", completion("zero", 0, false).replace("}", ", \"echo\": true}"))
            .json();
    assertThat(echoed.path("choices").get(0).path("text").asText()).isEqualTo("zero");
    assertThat(echoed.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
    assertThat(echoed.path("usage").path("completion_tokens").asInt()).isZero();

    String stream =
        client
            .post("/v1/completions", completion("zero", 2, true).replace("}", ", \"echo\": true}"))
            .body();
    List<String> events = ServerClient.events(stream);
    assertThat(events.getFirst()).contains("\"text\":\"zero\"");
  }

  /** The sum of a series over its label sets. */
  private double metric(String name) {
    double sum = 0;
    boolean found = false;
    for (String line : client.get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
        found = true;
      }
    }
    if (!found) {
      throw new AssertionError("no metric " + name);
    }
    return sum;
  }

  /**
   * vLLM's names, labels and bucket edges exactly: what a dashboard, a KEDA trigger or the endpoint
   * picker built for vLLM queries.
   */
  @Test
  void metricsHaveVllmsNamesLabelsAndBucketEdges() {
    client.post("/v1/completions", completion("metrics", 3, false));
    String metrics = client.get("/metrics").body();
    for (String line : metrics.split("\n")) {
      // vLLM's two info series carry their own labels instead
      if (line.startsWith("vllm:")
          && !line.startsWith("vllm:cache_config_info")
          && !line.startsWith("vllm:lora_requests_info")) {
        assertThat(line)
            .as("labels of vLLM's series")
            .contains("model_name=\"tiny\"", "engine=\"0\"");
      }
    }
    assertThat(bucketEdges(metrics, "vllm:time_to_first_token_seconds_bucket"))
        .containsExactly(edges(ServingMetrics.TTFT_BUCKETS));
    assertThat(bucketEdges(metrics, "vllm:inter_token_latency_seconds_bucket"))
        .containsExactly(edges(ServingMetrics.ITL_BUCKETS));
    assertThat(bucketEdges(metrics, "vllm:e2e_request_latency_seconds_bucket"))
        .containsExactly(edges(ServingMetrics.REQUEST_LATENCY_BUCKETS));
    assertThat(bucketEdges(metrics, "vllm:request_prompt_tokens_bucket"))
        .startsWith(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0)
        .endsWith(Double.POSITIVE_INFINITY);
    for (String phase : List.of("queue", "prefill", "decode", "inference")) {
      assertThat(bucketEdges(metrics, "vllm:request_" + phase + "_time_seconds_bucket"))
          .as("vLLM's %s-phase histogram", phase)
          .containsExactly(edges(ServingMetrics.REQUEST_LATENCY_BUCKETS));
    }
    assertThat(bucketEdges(metrics, "vllm:request_time_per_output_token_seconds_bucket"))
        .containsExactly(edges(ServingMetrics.ITL_BUCKETS));
    assertThat(bucketEdges(metrics, "vllm:iteration_tokens_total_bucket"))
        .containsExactly(edges(ServingMetrics.ITERATION_TOKEN_BUCKETS));
    assertThat(bucketEdges(metrics, "vllm:request_params_n_bucket"))
        .containsExactly(edges(ServingMetrics.PARAMS_N_BUCKETS));
    assertThat(metric("vllm:iteration_tokens_total_count"))
        .as("every forward step is counted")
        .isGreaterThanOrEqualTo(3);
    assertThat(metric("vllm:request_max_num_generation_tokens_sum"))
        .as("the request's longest choice")
        .isGreaterThanOrEqualTo(3);
    assertThat(metrics)
        .contains("vllm:request_generation_tokens_count", "vllm:cache_config_info{")
        .contains("block_size=\"8\"");
    assertThat(metrics)
        .as("no adapter runs or waits once the requests are done")
        .containsPattern(
            "vllm:lora_requests_info\\{[^}]*running_lora_adapters=\"\"[^}]*waiting_lora_adapters=\"\"");
  }

  private static Double[] edges(double[] finite) {
    Double[] all = new Double[finite.length + 1];
    for (int i = 0; i < finite.length; i++) {
      all[i] = finite[i];
    }
    all[finite.length] = Double.POSITIVE_INFINITY;
    return all;
  }

  private static List<Double> bucketEdges(String metrics, String series) {
    List<Double> le = new ArrayList<>();
    var pattern = java.util.regex.Pattern.compile("le=\"([^\"]+)\"");
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series + "{")) {
        var m = pattern.matcher(line);
        if (m.find()) {
          le.add(
              m.group(1).equals("+Inf")
                  ? Double.POSITIVE_INFINITY
                  : Double.parseDouble(m.group(1)));
        }
      }
    }
    return le;
  }

  static URI uri(URL url) throws Exception {
    return url.toURI();
  }
}
