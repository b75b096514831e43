package dev.modelforge.runtime.serve;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of what a client sends the OpenAI server and what a model's
 * repository hands its chat renderer: a request body reads into its endpoint's record or is refused
 * with an {@link ApiException} (a 400 naming the field), and a chat template renders or fails with
 * an IllegalArgumentException (also a 400); anything else would be a 500. {@code ./mvnw test}
 * replays the committed corpus; {@code bash .ci/fuzz.sh SECONDS} fuzzes each target.
 */
class RequestFuzzTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @FuzzTest(maxDuration = "30s")
  void requestBodies(byte[] body) {
    JsonNode node;
    try {
      // as the server reads a body: Vert.x decodes it as UTF-8, then Jackson parses the text
      node = JSON.readTree(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    } catch (JsonProcessingException notJson) {
      return; // refused before parsing (400 "not valid JSON")
    }
    if (node == null || !node.isObject()) {
      return; // refused as not an object
    }
    for (Class<?> type :
        List.of(CompletionRequest.class, ChatCompletionRequest.class, EmbeddingRequest.class)) {
      try {
        ApiRequests.read(node, type);
      } catch (ApiException refused) {
        // a 400 naming the field
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void chatTemplates(FuzzedDataProvider data) {
    List<Map<String, Object>> messages = new ArrayList<>();
    int count = data.consumeInt(0, 4);
    for (int i = 0; i < count; i++) {
      messages.add(
          Map.of(
              "role",
              data.pickValue(List.of("system", "user", "assistant", "tool", "other")),
              "content",
              data.consumeString(64)));
    }
    boolean generationPrompt = data.consumeBoolean();
    String template = data.consumeRemainingAsString();
    try {
      new ChatTemplate(template, "<s>", "</s>").render(messages, generationPrompt);
    } catch (IllegalArgumentException refused) {
      // a template that cannot render these messages, said so (400)
    }
  }
}
