package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Tool calls read out of answers in the Hermes and Llama 3 JSON formats, and held back in streams.
 */
class ToolCallsTest {

  private static final String TOOLS =
      """
      {"tools": [{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}]}
      """;

  private static ToolCalls offered(String template, String extra) throws Exception {
    JsonNode body = ServerClient.JSON.readTree(TOOLS.strip().replaceFirst("}$", extra + "}"));
    return ToolCalls.fromRequest(
        body.get("tools"),
        body.get("tool_choice"),
        body.has("parallel_tool_calls") ? body.get("parallel_tool_calls").asBoolean() : null,
        template);
  }

  @Test
  void hermesCallsAreParsedAndTheRestStaysContent() throws Exception {
    ToolCalls t = offered("... <tool_call> ...", "");
    var parsed =
        t.parse(
            "Let me add.\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>"
                + "\n<tool_call>{\"name\": \"add\", \"arguments\": \"{\\\"a\\\": 2}\"}</tool_call>");
    assertThat(parsed.content()).isEqualTo("Let me add.");
    assertThat(parsed.calls()).hasSize(2);
    assertThat(parsed.calls().get(0).arguments()).isEqualTo("{\"a\":1}");
    assertThat(parsed.calls().get(1).arguments()).isEqualTo("{\"a\": 2}");
    assertThat(t.parse("<tool_call>not json</tool_call>").calls()).isEmpty();
  }

  @Test
  void llama3JsonCallsAreParsedWithOrWithoutThePythonTag() throws Exception {
    ToolCalls t = offered("... <|python_tag|> ...", "");
    var one = t.parse("<|python_tag|>{\"name\": \"add\", \"parameters\": {\"a\": 1}}");
    assertThat(one.calls()).singleElement().satisfies(c -> assertThat(c.name()).isEqualTo("add"));
    assertThat(one.content()).isNull();
    var two =
        t.parse("{\"name\": \"add\", \"parameters\": {}}; {\"name\": \"add\", \"parameters\": {}}");
    assertThat(two.calls()).hasSize(2);
    var prose = t.parse("The sum is 3.");
    assertThat(prose.calls()).isEmpty();
    assertThat(prose.content()).isEqualTo("The sum is 3.");
  }

  @Test
  void streamsHoldBackOnlyWhatMayStillBeACall() throws Exception {
    ToolCalls hermes = offered("<tool_call>", "");
    assertThat(hermes.streamable("Sure, adding <tool")).isEqualTo("Sure, adding ".length());
    assertThat(hermes.streamable("Sure <tool_call>{")).isEqualTo("Sure ".length());
    assertThat(hermes.streamable("plain text")).isEqualTo("plain text".length());
    ToolCalls llama = offered("<|python_tag|>", "");
    assertThat(llama.streamable(" {\"name\"")).isZero();
    assertThat(llama.streamable("Hello")).isEqualTo(5);
  }

  @Test
  void forcedCallsAreWrittenInTheModelsFormat() throws Exception {
    assertThat(offered("<tool_call>", ", \"tool_choice\": \"required\"").callsGrammar())
        .contains("<tool_call>\\n", "call-json", "( \"\\n\" call )*");
    ToolCalls single =
        offered(
            "<|python_tag|>", ", \"tool_choice\": \"required\", \"parallel_tool_calls\": false");
    assertThat(single.callsGrammar()).isEqualTo("root ::= call-json\n");
    assertThat(single.callSchema().path("properties").has("parameters")).isTrue();
  }

  @Test
  void aTemplateWithoutACallFormatRefusesTools() {
    assertThatThrownBy(() -> offered("{{ messages }}", ""))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("'tools' need a chat template");
  }
}
