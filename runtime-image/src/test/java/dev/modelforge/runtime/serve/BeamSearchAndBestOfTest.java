package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelforge.engine.generate.BeamSearch;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** vLLM's use_beam_search and best_of on the server, held to the engine's own beam search. */
@QuarkusTest
@QuarkusTestResource(value = TestModelResource.class, restrictToAnnotatedClass = true)
class BeamSearchAndBestOfTest {

  private static final String PROMPT = "beams rank whole continuations";

  @TestHTTPResource("/")
  URL base;

  ServerClient client;

  @BeforeEach
  void waitUntilReady() throws Exception {
    client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
  }

  /** The engine's beam search alone on the served weights, each beam decoded. */
  private static List<String> engineBeams(String prompt, int beams, int maxTokens, double penalty)
      throws Exception {
    Path dir = Files.createTempDirectory("modelforge-reference");
    TestModelResource.writeModel(dir);
    try (LoadedModel model = LoadedModel.open(dir, null);
        Parallel pool = new Parallel(1)) {
      Tokenizer tok = Tokenizer.load(dir);
      List<String> texts = new ArrayList<>();
      for (BeamSearch.Hypothesis h :
          new BeamSearch(model.model(), pool)
              .search(tok.encode(prompt, true), beams, maxTokens, penalty, false, Set.of())) {
        texts.add(tok.decode(h.tokens(), true));
      }
      return texts;
    }
  }

  private static String beamRequest(boolean stream, String extra) {
    return """
        {"prompt": %s, "max_tokens": 6, "n": 3, "use_beam_search": true, "length_penalty": 0.5,
         "ignore_eos": true, "stream": %s %s}
        """
        .formatted(ServerClient.JSON.valueToTree(PROMPT), stream, extra);
  }

  private static List<String> texts(JsonNode reply, String field) {
    List<String> out = new ArrayList<>();
    for (JsonNode c : reply.path("choices")) {
      out.add(
          field.equals("text") ? c.path("text").asText() : c.path("message").path(field).asText());
    }
    return out;
  }

  @Test
  void beamSearchReturnsTheEnginesBeamsBestFirst() throws Exception {
    JsonNode reply = client.post("/v1/completions", beamRequest(false, "")).json();

    assertThat(texts(reply, "text")).containsExactlyElementsOf(engineBeams(PROMPT, 3, 6, 0.5));
    for (JsonNode c : reply.path("choices")) {
      assertThat(c.path("finish_reason").asText()).isEqualTo("length");
    }
    assertThat(reply.path("usage").path("completion_tokens").asInt()).isEqualTo(3 * 6);
  }

  @Test
  void aStreamedBeamSearchCarriesTheSameBeams() throws Exception {
    List<String> whole =
        texts(client.post("/v1/completions", beamRequest(false, "")).json(), "text");
    String sse = client.post("/v1/completions", beamRequest(true, "")).body();

    Map<Integer, StringBuilder> streamed = new TreeMap<>();
    Map<Integer, String> finish = new TreeMap<>();
    for (String event : ServerClient.events(sse)) {
      if (event.equals("[DONE]")) {
        continue;
      }
      for (JsonNode c : ServerClient.JSON.readTree(event).path("choices")) {
        int i = c.path("index").asInt();
        streamed.computeIfAbsent(i, k -> new StringBuilder()).append(c.path("text").asText());
        if (!c.path("finish_reason").isNull()) {
          finish.put(i, c.path("finish_reason").asText());
        }
      }
    }
    assertThat(streamed.values().stream().map(StringBuilder::toString).toList())
        .containsExactlyElementsOf(whole);
    assertThat(finish).containsOnlyKeys(0, 1, 2).containsValue("length");
  }

  @Test
  void chatBeamSearchAndPromptListsEachGetTheirBeams() throws Exception {
    String chat =
        """
        {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "n": 2,
         "use_beam_search": true, "ignore_eos": true}
        """;
    JsonNode reply = client.post("/v1/chat/completions", chat).json();
    assertThat(reply.path("choices")).hasSize(2);
    assertThat(reply.path("choices").get(0).path("message").path("content").asText()).isNotEmpty();

    String batch =
        """
        {"prompt": ["first prompt", "a second one"], "max_tokens": 4, "n": 2,
         "use_beam_search": true, "ignore_eos": true}
        """;
    JsonNode both = client.post("/v1/completions", batch).json();
    assertThat(texts(both, "text"))
        .containsExactly(
            engineBeams("first prompt", 2, 4, 1.0).get(0),
            engineBeams("first prompt", 2, 4, 1.0).get(1),
            engineBeams("a second one", 2, 4, 1.0).get(0),
            engineBeams("a second one", 2, 4, 1.0).get(1));
  }

  @Test
  void aBeamSearchAndASampledRequestRunSideBySide() throws Exception {
    String longSearch =
        """
        {"prompt": "a long search", "max_tokens": 40, "n": 4, "use_beam_search": true,
         "ignore_eos": true}
        """;
    CompletableFuture<ServerClient.Reply> search =
        CompletableFuture.supplyAsync(() -> client.post("/v1/completions", longSearch));
    String quick =
        """
        {"prompt": "quick", "max_tokens": 2, "temperature": 0, "ignore_eos": true}
        """;
    ServerClient.Reply fast = client.post("/v1/completions", quick);
    assertThat(fast.status()).isEqualTo(200);
    ServerClient.Reply slow = search.get();
    assertThat(slow.status()).isEqualTo(200);
    assertThat(slow.json().path("choices")).hasSize(4);
  }

  @Test
  void whatBeamSearchCannotHonourIsRefusedByName() {
    record Case(String extra, String param) {}
    for (Case c :
        List.of(
            new Case(", \"top_p\": 0.5", "top_p"),
            new Case(", \"temperature\": 0.7", "temperature"),
            new Case(", \"seed\": 3", "seed"),
            new Case(", \"stop\": [\"x\"]", "stop"),
            new Case(", \"logprobs\": 2", "logprobs"),
            new Case(", \"best_of\": 5", "best_of"))) {
      ServerClient.Reply r = client.post("/v1/completions", beamRequest(false, c.extra()));
      assertThat(r.status()).as(c.extra()).isEqualTo(400);
      assertThat(r.json().path("error").path("param").asText()).isEqualTo(c.param());
      assertThat(r.json().path("error").path("message").asText()).contains(c.param());
    }
    ServerClient.Reply noBeams =
        client.post("/v1/completions", "{\"prompt\": \"x\", \"length_penalty\": 2}");
    assertThat(noBeams.status()).isEqualTo(400);
    assertThat(noBeams.json().path("error").path("message").asText()).contains("use_beam_search");
  }

  private static String sampled(int n, int bestOf, boolean logprobs) {
    return """
        {"prompt": %s, "max_tokens": 8, "n": %d, "best_of": %d, "seed": 7, "temperature": 1,
         "ignore_eos": true %s}
        """
        .formatted(
            ServerClient.JSON.valueToTree(PROMPT), n, bestOf, logprobs ? ", \"logprobs\": 0" : "");
  }

  private record Scored(String text, double logprob) {}

  @Test
  void bestOfReturnsTheMostLikelyOfItsChoices() {
    // the same seeds run as n = 4: choice i samples with seed 7 + i either way
    JsonNode all = client.post("/v1/completions", sampled(4, 4, true)).json();
    List<Scored> scored = new ArrayList<>();
    for (JsonNode c : all.path("choices")) {
      double sum = 0;
      for (JsonNode lp : c.path("logprobs").path("token_logprobs")) {
        sum += lp.asDouble();
      }
      scored.add(new Scored(c.path("text").asText(), sum));
    }
    scored.sort(Comparator.comparingDouble(Scored::logprob).reversed());
    assertThat(scored.get(0).logprob())
        .as("the four samples differ in likelihood")
        .isGreaterThan(scored.get(3).logprob());

    JsonNode best = client.post("/v1/completions", sampled(2, 4, false)).json();

    assertThat(texts(best, "text")).containsExactly(scored.get(0).text(), scored.get(1).text());
    assertThat(best.path("choices").get(1).path("index").asInt()).isEqualTo(1);
    assertThat(best.path("usage").path("completion_tokens").asInt())
        .as("every choice generated counts, as OpenAI bills best_of")
        .isEqualTo(4 * 8);
  }

  @Test
  void bestOfBelowNOrStreamedIsRefused() {
    ServerClient.Reply below = client.post("/v1/completions", sampled(3, 2, false));
    assertThat(below.status()).isEqualTo(400);
    assertThat(below.json().path("error").path("param").asText()).isEqualTo("best_of");
    ServerClient.Reply streamed =
        client.post(
            "/v1/completions",
            sampled(1, 3, false).replace("\"seed\"", "\"stream\": true, \"seed\""));
    assertThat(streamed.status()).isEqualTo(400);
    assertThat(streamed.json().path("error").path("message").asText()).contains("streamed");
  }
}
