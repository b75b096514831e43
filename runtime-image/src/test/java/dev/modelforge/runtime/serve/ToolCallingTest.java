package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tool calling with Qwen3's chat template on a random-weight model: forced calls always parse and
 * their arguments validate against the function's parameters; tools and template kwargs reach the
 * template; tool results render back.
 */
@QuarkusTest
@QuarkusTestResource(value = ToolModelResource.class, restrictToAnnotatedClass = true)
class ToolCallingTest {

  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  static final String WEATHER_PARAMS =
      """
      {"type": "object",
       "properties": {"city": {"type": "string", "maxLength": 8},
                      "unit": {"enum": ["celsius", "fahrenheit"]}},
       "required": ["city", "unit"], "additionalProperties": false}
      """;

  static final String ADD_PARAMS =
      """
      {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
       "required": ["a", "b"], "additionalProperties": false}
      """;

  static final String TOOLS =
      """
      [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
        "parameters": %s}},
       {"type": "function", "function": {"name": "add", "parameters": %s}}]
      """
          .formatted(WEATHER_PARAMS, ADD_PARAMS);

  static final Map<String, String> PARAMS =
      Map.of("get_weather", WEATHER_PARAMS, "add", ADD_PARAMS);

  @TestHTTPResource("/")
  URL base;

  ServerClient client;

  @BeforeEach
  void waitUntilReady() throws Exception {
    client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
  }

  private ServerClient.Reply chat(String extra) {
    return client.post(
        "/v1/chat/completions",
        """
        {"model": "tiny", "messages": [{"role": "user", "content": "Weather in Oslo?"}],
         "max_tokens": 1000, "temperature": 1.0, "seed": 7, %s}
        """
            .formatted(extra));
  }

  private static void assertValidCall(JsonNode call) throws Exception {
    assertThat(call.path("id").asText()).startsWith("chatcmpl-tool-");
    assertThat(call.path("type").asText()).isEqualTo("function");
    String name = call.path("function").path("name").asText();
    assertThat(PARAMS).containsKey(name);
    JsonNode args = ServerClient.JSON.readTree(call.path("function").path("arguments").asText());
    assertThat(SCHEMAS.getSchema(PARAMS.get(name)).validate(args)).as(args.toString()).isEmpty();
  }

  @Test
  void requiredToolChoiceAlwaysGivesValidCalls() throws Exception {
    var reply = chat("\"n\": 4, \"tools\": " + TOOLS + ", \"tool_choice\": \"required\"");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    for (JsonNode c : reply.json().get("choices")) {
      assertThat(c.path("finish_reason").asText()).as(c.toString()).isEqualTo("tool_calls");
      JsonNode message = c.path("message");
      assertThat(message.path("content").isNull()).as(message.toString()).isTrue();
      assertThat(message.path("tool_calls").size()).isPositive();
      for (JsonNode call : message.path("tool_calls")) {
        assertValidCall(call);
      }
    }
  }

  @Test
  void aNamedFunctionWithoutParallelCallsGivesExactlyThatOneCall() throws Exception {
    var reply =
        chat(
            "\"n\": 3, \"tools\": "
                + TOOLS
                + ", \"parallel_tool_calls\": false,"
                + " \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"add\"}}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    for (JsonNode c : reply.json().get("choices")) {
      JsonNode calls = c.path("message").path("tool_calls");
      assertThat(calls.size()).as(c.toString()).isEqualTo(1);
      assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("add");
      assertValidCall(calls.get(0));
    }
  }

  @Test
  void streamedCallsArriveAsToolCallDeltas() throws Exception {
    var reply = chat("\"stream\": true, \"tools\": " + TOOLS + ", \"tool_choice\": \"required\"");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    // as a client assembles them: the first delta of a call names it, the rest add arguments
    List<ObjectNode> calls = new ArrayList<>();
    int argumentChunks = 0;
    StringBuilder content = new StringBuilder();
    String finish = null;
    for (String event : ServerClient.events(reply.body())) {
      if (event.equals("[DONE]")) {
        continue;
      }
      JsonNode c = ServerClient.JSON.readTree(event).get("choices").get(0);
      for (JsonNode d : c.path("delta").path("tool_calls")) {
        int index = d.path("index").asInt();
        if (d.has("id")) {
          assertThat(index).as("calls are numbered in order").isEqualTo(calls.size());
          ObjectNode call = ((ObjectNode) d).deepCopy();
          call.remove("index");
          calls.add(call);
        } else {
          ObjectNode fn = (ObjectNode) calls.get(index).get("function");
          fn.put(
              "arguments",
              fn.path("arguments").asText() + d.path("function").path("arguments").asText());
          argumentChunks++;
        }
      }
      content.append(c.path("delta").path("content").asText(""));
      if (!c.path("finish_reason").isNull()) {
        finish = c.path("finish_reason").asText();
      }
    }
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(content.toString()).as("no call text leaks as content").isEmpty();
    assertThat(calls).isNotEmpty();
    assertThat(argumentChunks).as("arguments stream while the model writes them").isGreaterThan(1);
    for (ObjectNode call : calls) {
      assertValidCall(call);
    }
  }

  @Test
  void autoLeavesAPlainAnswerAsContentButTheTemplateSawTheTools() {
    var without = chat("\"max_tokens\": 5");
    var with = chat("\"max_tokens\": 5, \"tools\": " + TOOLS);
    assertThat(with.status()).as(with.body()).isEqualTo(200);
    JsonNode message = with.json().path("choices").get(0).path("message");
    assertThat(message.path("content").isTextual()).isTrue();
    assertThat(message.has("tool_calls")).isFalse();
    assertThat(with.json().path("usage").path("prompt_tokens").asInt())
        .as("the tools are written into the prompt")
        .isGreaterThan(without.json().path("usage").path("prompt_tokens").asInt() + 100);
  }

  @Test
  void toolResultsRenderBackAndTemplateKwargsReachTheTemplate() {
    var reply =
        client.post(
            "/v1/chat/completions",
            """
            {"model": "tiny", "max_tokens": 3, "tools": %s,
             "messages": [
               {"role": "user", "content": "2+3?"},
               {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
                 "function": {"name": "add", "arguments": "{\\"a\\": 2, \\"b\\": 3}"}}]},
               {"role": "tool", "tool_call_id": "call_1", "content": "5"}]}
            """
                .formatted(TOOLS));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);

    String ask =
        "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 1, \"model\":"
            + " \"tiny\"";
    int thinking =
        client
            .post("/v1/chat/completions", "{" + ask + "}")
            .json()
            .path("usage")
            .path("prompt_tokens")
            .asInt();
    int notThinking =
        client
            .post(
                "/v1/chat/completions",
                "{" + ask + ", \"chat_template_kwargs\": {\"enable_thinking\": false}}")
            .json()
            .path("usage")
            .path("prompt_tokens")
            .asInt();
    assertThat(notThinking)
        .as("Qwen3 writes an empty think block when thinking is off")
        .isEqualTo(thinking + "<think>\n\n</think>\n\n".length());
  }

  /** The qwen3 reasoning parser: a think block becomes reasoning_content, whole and streamed. */
  @Test
  void thinkingIsSplitIntoReasoningContent() throws Exception {
    String regex = "\"guided_regex\": \"<think>[a-z]{3,6}</think>\\\\n\\\\n[a-z]{2,4}\"";
    var reply = chat(regex + ", \"max_tokens\": 40");
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    JsonNode message = reply.json().path("choices").get(0).path("message");
    assertThat(message.path("reasoning_content").asText()).matches("[a-z]{3,6}");
    assertThat(message.path("content").asText()).matches("[a-z]{2,4}");

    var streamed = chat(regex + ", \"max_tokens\": 40, \"stream\": true");
    StringBuilder thought = new StringBuilder();
    StringBuilder content = new StringBuilder();
    for (String event : ServerClient.events(streamed.body())) {
      if (!event.equals("[DONE]")) {
        JsonNode d = ServerClient.JSON.readTree(event).get("choices").get(0).path("delta");
        thought.append(d.path("reasoning_content").asText(""));
        content.append(d.path("content").asText(""));
      }
    }
    assertThat(thought.toString()).isEqualTo(message.path("reasoning_content").asText());
    assertThat(content.toString()).isEqualTo(message.path("content").asText());
  }

  @Test
  void badToolRequestsAreRefusedNamingTheField() {
    var unknown =
        chat(
            "\"tools\": "
                + TOOLS
                + ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"nope\"}}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().path("error").path("param").asText()).isEqualTo("tool_choice");

    var noTools = chat("\"tool_choice\": \"required\"");
    assertThat(noTools.status()).isEqualTo(400);
    assertThat(noTools.json().path("error").path("message").asText()).contains("needs 'tools'");

    var both =
        chat(
            "\"tools\": "
                + TOOLS
                + ", \"tool_choice\": \"required\", \"response_format\": {\"type\": \"json_object\"}");
    assertThat(both.status()).isEqualTo(400);
  }
}
