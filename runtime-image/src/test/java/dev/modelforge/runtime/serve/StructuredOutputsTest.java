package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Structured outputs through the HTTP API on a random-weight model (one token per byte), whose free
 * output is never JSON: every choice must parse, and validate against the schema with an
 * independent validator (networknt).
 */
@QuarkusTest
@QuarkusTestResource(value = TestModelResource.class, restrictToAnnotatedClass = true)
class StructuredOutputsTest {

  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  @TestHTTPResource("/")
  URL base;

  ServerClient client;

  @BeforeEach
  void waitUntilReady() throws Exception {
    client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
  }

  private static final String PERSON =
      """
      {"type": "object",
       "properties": {
         "name": {"type": "string", "maxLength": 6},
         "age": {"type": "integer"},
         "admin": {"type": "boolean"},
         "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3},
         "score": {"anyOf": [{"type": "number"}, {"type": "null"}]}
       },
       "required": ["name", "age", "admin"],
       "additionalProperties": false}
      """;

  private List<String> texts(JsonNode reply, boolean chat) {
    List<String> out = new ArrayList<>();
    for (JsonNode c : reply.get("choices")) {
      assertThat(c.get("finish_reason").asText()).as(c.toString()).isEqualTo("stop");
      out.add(chat ? c.path("message").path("content").asText() : c.path("text").asText());
    }
    return out;
  }

  private static void assertValid(String schema, String text) throws Exception {
    JsonNode instance = ServerClient.JSON.readTree(text);
    Schema s = SCHEMAS.getSchema(schema);
    assertThat(s.validate(instance)).as("%s against the schema", text).isEmpty();
  }

  @Test
  void chatResponseFormatJsonSchemaAlwaysValidates() throws Exception {
    var reply =
        client.post(
            "/v1/chat/completions",
            """
            {"model": "tiny", "messages": [{"role": "user", "content": "Who?"}],
             "n": 6, "seed": 11, "temperature": 1.0, "max_tokens": 200,
             "response_format": {"type": "json_schema",
                                 "json_schema": {"name": "person", "strict": true, "schema": %s}}}
            """
                .formatted(PERSON));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    List<String> texts = texts(reply.json(), true);
    for (String text : texts) {
      assertValid(PERSON, text);
    }
    assertThat(texts.stream().distinct().count())
        .as("seeds still vary the output")
        .isGreaterThan(3);
  }

  @Test
  void withoutTheSchemaTheSameRequestIsNotJson() {
    var reply =
        client.post(
            "/v1/chat/completions",
            """
            {"model": "tiny", "messages": [{"role": "user", "content": "Who?"}],
             "n": 6, "seed": 11, "temperature": 1.0, "max_tokens": 60}
            """);
    assertThat(reply.status()).isEqualTo(200);
    for (JsonNode c : reply.json().get("choices")) {
      String text = c.path("message").path("content").asText();
      assertThat(parses(text)).as(text).isFalse();
    }
  }

  @Test
  void jsonObjectComposesWithLogitBiasAndStreams() throws Exception {
    // pushing '"' and '}' up makes the random model close what it opens well within the context
    var reply =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "data:", "max_tokens": 200, "temperature": 1.0, "seed": 3,
             "stream": true, "logit_bias": {"34": 4, "125": 4},
             "response_format": {"type": "json_object"}}
            """);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (String event : ServerClient.events(reply.body())) {
      if (event.equals("[DONE]")) {
        continue;
      }
      JsonNode c = ServerClient.JSON.readTree(event).get("choices").get(0);
      text.append(c.path("text").asText());
      if (!c.path("finish_reason").isNull()) {
        finish = c.path("finish_reason").asText();
      }
    }
    assertThat(finish).isEqualTo("stop");
    assertThat(ServerClient.JSON.readTree(text.toString()).isObject()).as(text.toString()).isTrue();
  }

  @Test
  void guidedRegexChoiceAndGrammar() {
    String regex = "[a-z]{3}-[0-9]{2,4}";
    var r1 =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "id:", "max_tokens": 20, "n": 4, "seed": 5,
             "guided_regex": "%s"}
            """
                .formatted(regex));
    assertThat(r1.status()).as(r1.body()).isEqualTo(200);
    for (String t : texts(r1.json(), false)) {
      assertThat(Pattern.matches(regex, t)).as(t).isTrue();
    }

    var r2 =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "mood:", "max_tokens": 20, "n": 4, "seed": 5,
             "guided_choice": ["happy", "sad", "hangry"]}
            """);
    assertThat(r2.status()).as(r2.body()).isEqualTo(200);
    assertThat(texts(r2.json(), false))
        .allMatch(t -> List.of("happy", "sad", "hangry").contains(t));

    var r3 =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "sum:", "max_tokens": 30, "seed": 1,
             "structured_outputs": {"grammar": "root ::= num \\" + \\" num\\nnum ::= [1-9] [0-9]?"}}
            """);
    assertThat(r3.status()).as(r3.body()).isEqualTo(200);
    assertThat(texts(r3.json(), false).getFirst()).matches("[1-9][0-9]? \\+ [1-9][0-9]?");
  }

  @Test
  void badStructuredOutputsAreRefusedNamingTheField() {
    var unsupported =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "x", "guided_json": {"type": "string", "not": {"const": "a"}}}
            """);
    assertThat(unsupported.status()).isEqualTo(400);
    assertThat(unsupported.json().path("error").path("param").asText()).isEqualTo("guided_json");
    assertThat(unsupported.json().path("error").path("message").asText()).contains("'not'");

    var two =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "x", "guided_regex": "a+", "guided_choice": ["a"]}
            """);
    assertThat(two.status()).isEqualTo(400);
    assertThat(two.json().path("error").path("message").asText())
        .contains("only one structured output");

    var grammar =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "x", "guided_grammar": "root ::= missing"}
            """);
    assertThat(grammar.status()).isEqualTo(400);
    assertThat(grammar.json().path("error").path("message").asText())
        .contains("rule 'missing'", "never defined");

    var format =
        client.post(
            "/v1/chat/completions",
            """
            {"model": "tiny", "messages": [{"role": "user", "content": "x"}],
             "response_format": {"type": "yaml"}}
            """);
    assertThat(format.status()).isEqualTo(400);
    assertThat(format.json().path("error").path("message").asText())
        .contains("text, json_object or json_schema");

    // the server keeps serving
    var ok =
        client.post(
            "/v1/completions",
            """
            {"model": "tiny", "prompt": "x", "max_tokens": 3, "guided_choice": ["ok"]}
            """);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(texts(ok.json(), false)).containsExactly("ok");
  }

  private static boolean parses(String text) {
    try {
      ServerClient.JSON.readTree(text);
      return !text.isBlank();
    } catch (Exception e) {
      return false;
    }
  }
}
