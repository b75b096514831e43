package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCallStreamTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a client assembles from the deltas, and how many chunks carried argument text. */
  private record Assembled(Map<Integer, String[]> calls, int argumentChunks, int headers) {}

  /** Feeds {@code text} one character at a time, as tokens arrive, then finishes it. */
  private static Assembled stream(ToolCalls.Format format, String text) {
    ToolCallStream s = new ToolCallStream(format);
    Map<Integer, String[]> calls = new LinkedHashMap<>();
    int argumentChunks = 0;
    int headers = 0;
    List<JsonNode> deltas = new ArrayList<>();
    for (int i = 1; i <= text.length(); i++) {
      s.advance(text.substring(0, i), false).forEach(deltas::add);
    }
    s.advance(text, true).forEach(deltas::add);
    for (JsonNode d : deltas) {
      String[] call = calls.computeIfAbsent(d.path("index").asInt(), k -> new String[] {"", ""});
      if (d.has("id")) {
        headers++;
        assertThat(d.path("type").asText()).isEqualTo("function");
        call[0] = d.path("function").path("name").asText();
      }
      String piece = d.path("function").path("arguments").asText("");
      call[1] += piece;
      argumentChunks += piece.isEmpty() ? 0 : 1;
    }
    return new Assembled(calls, argumentChunks, headers);
  }

  @Test
  void hermesArgumentsArriveWhileTheyAreWrittenAndAssembleToTheModelsJson() throws Exception {
    String args = "{\"city\": \"Oslo\", \"days\": [1, 2], \"note\": \"a \\\"quoted\\\" }\"}";
    String text =
        "Let me check.\n<tool_call>\n{\"name\": \"weather\", \"arguments\": "
            + args
            + "}\n</tool_call>";

    Assembled a = stream(ToolCalls.Format.HERMES, text);

    assertThat(a.calls()).containsOnlyKeys(0);
    assertThat(a.calls().get(0)[0]).isEqualTo("weather");
    assertThat(a.calls().get(0)[1]).isEqualTo(args);
    assertThat(JSON.readTree(a.calls().get(0)[1]).path("note").asText())
        .isEqualTo("a \"quoted\" }");
    assertThat(a.headers()).isEqualTo(1);
    assertThat(a.argumentChunks())
        .as("the arguments go out piece by piece, not at the end")
        .isGreaterThan(10);
  }

  @Test
  void parallelCallsGetTheirOwnIndexes() {
    String text =
        "<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>";

    Assembled a = stream(ToolCalls.Format.HERMES, text);

    assertThat(a.calls()).containsOnlyKeys(0, 1);
    assertThat(a.calls().get(0)).containsExactly("a", "{\"x\": 1}");
    assertThat(a.calls().get(1)).containsExactly("b", "{}");
    assertThat(a.headers()).isEqualTo(2);
  }

  @Test
  void llama3CallsJoinedBySemicolonsStreamToo() {
    String text =
        "<|python_tag|>{\"name\": \"f\", \"parameters\": {\"q\": \"x;y\"}}; "
            + "{\"name\": \"g\", \"parameters\": {\"n\": 2}}";

    Assembled a = stream(ToolCalls.Format.LLAMA3_JSON, text);

    assertThat(a.calls().get(0)).containsExactly("f", "{\"q\": \"x;y\"}");
    assertThat(a.calls().get(1)).containsExactly("g", "{\"n\": 2}");
  }

  @Test
  void argumentsBeforeTheNameOrAsAStringGoOutWholeAtTheEnd() {
    Assembled first =
        stream(
            ToolCalls.Format.HERMES,
            "<tool_call>{\"arguments\": {\"k\": [1]}, \"name\": \"late\"}</tool_call>");
    assertThat(first.calls().get(0)).containsExactly("late", "{\"k\":[1]}");
    assertThat(first.argumentChunks()).isEqualTo(1);

    Assembled string =
        stream(
            ToolCalls.Format.HERMES,
            "<tool_call>{\"name\": \"s\", \"arguments\": \"{\\\"k\\\": 2}\"}</tool_call>");
    assertThat(string.calls().get(0)).containsExactly("s", "{\"k\": 2}");
  }

  @Test
  void plainTextHasNoCalls() {
    assertThat(stream(ToolCalls.Format.HERMES, "no tools needed {\"name\": 1}").calls()).isEmpty();
    assertThat(stream(ToolCalls.Format.LLAMA3_JSON, "Sure: {\"name\": \"f\"}").calls()).isEmpty();
  }
}
