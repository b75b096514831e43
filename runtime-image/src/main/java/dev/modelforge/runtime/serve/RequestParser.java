package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads OpenAI completion and chat requests (with vLLM's extra sampling fields) into a {@link
 * GenerationSpec}. Every refusal names the field and the value.
 */
final class RequestParser {

  private final ServingEngine.Loaded engine;

  RequestParser(ServingEngine.Loaded engine) {
    this.engine = engine;
  }

  GenerationSpec completion(JsonNode body) {
    JsonNode prompt = body.get("prompt");
    int[] ids;
    String text;
    Tokenizer tok = engine.tokenizer();
    if (prompt == null || prompt.isNull()) {
      throw ApiException.badRequest("'prompt' is required", "prompt");
    } else if (prompt.isTextual()) {
      text = prompt.asText();
      ids = tok.encode(text, true);
    } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
      text = prompt.get(0).asText();
      ids = tok.encode(text, true);
    } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isInt()) {
      ids = intArray(prompt, "prompt");
      text = tok.decode(ids, false);
    } else {
      throw ApiException.badRequest(
          "'prompt' must be a string, a list with one string, or a list of token ids", "prompt");
    }
    int logprobs = intField(body, "logprobs", 0, 0, 20);
    return spec(
        body,
        ids,
        text,
        body.path("logprobs").isInt(),
        logprobs,
        16,
        body.path("echo").asBoolean(false));
  }

  GenerationSpec chat(JsonNode body) {
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw ApiException.badRequest("'messages' must be a non-empty list", "messages");
    }
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText("");
      if (!List.of("system", "user", "assistant", "tool", "developer").contains(role)) {
        throw ApiException.badRequest(
            "messages[" + i + "].role must be system, user, assistant or tool, got '" + role + "'",
            "messages");
      }
      Map<String, Object> msg = new LinkedHashMap<>();
      msg.put("role", role);
      msg.put("content", contentText(m.get("content"), i));
      list.add(msg);
    }
    if (engine.chatTemplate() == null) {
      throw ApiException.badRequest(
          "this model has no chat template in tokenizer_config.json; use /v1/completions",
          "messages");
    }
    String prompt =
        engine.chatTemplate().render(list, body.path("add_generation_prompt").asBoolean(true));
    // the template already wrote BOS where the model wants it
    int[] ids = engine.tokenizer().encode(prompt, false);
    boolean logprobs = body.path("logprobs").asBoolean(false);
    int top = logprobs ? intField(body, "top_logprobs", 0, 0, 20) : 0;
    int defaultMax = Math.max(1, engine.maxModelLength() - ids.length);
    JsonNode maxCompletion = body.get("max_completion_tokens");
    if (maxCompletion != null && !maxCompletion.isNull() && !body.has("max_tokens")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) body).set("max_tokens", maxCompletion);
    }
    return spec(body, ids, prompt, logprobs, top, defaultMax, false);
  }

  private static String contentText(JsonNode content, int i) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText())) {
          throw ApiException.badRequest(
              "messages[" + i + "].content: only text parts are supported", "messages");
        }
        sb.append(part.path("text").asText());
      }
      return sb.toString();
    }
    throw ApiException.badRequest("messages[" + i + "].content must be a string", "messages");
  }

  private GenerationSpec spec(
      JsonNode body,
      int[] ids,
      String text,
      boolean logprobs,
      int topLogprobs,
      int defaultMaxTokens,
      boolean echo) {
    int maxLen = engine.maxModelLength();
    if (ids.length >= maxLen) {
      throw ApiException.badRequest(
          "This model's maximum context length is "
              + maxLen
              + " tokens, but the prompt has "
              + ids.length
              + " tokens. Please shorten the prompt.",
          "prompt");
    }
    int maxTokens = intField(body, "max_tokens", defaultMaxTokens, 0, Integer.MAX_VALUE);
    if (ids.length + maxTokens > maxLen) {
      throw ApiException.badRequest(
          "This model's maximum context length is "
              + maxLen
              + " tokens. However, you requested "
              + (ids.length + maxTokens)
              + " tokens ("
              + ids.length
              + " in the prompt, "
              + maxTokens
              + " in the completion). Please reduce the prompt or max_tokens.",
          "max_tokens");
    }
    double temperature = doubleField(body, "temperature", 1.0, 0, 2);
    double topP = doubleField(body, "top_p", 1.0, Double.MIN_VALUE, 1);
    int topK = intField(body, "top_k", -1, -1, Integer.MAX_VALUE);
    double minP = doubleField(body, "min_p", 0, 0, 1);
    double rep = doubleField(body, "repetition_penalty", 1, Double.MIN_VALUE, 10);
    double presence = doubleField(body, "presence_penalty", 0, -2, 2);
    double frequency = doubleField(body, "frequency_penalty", 0, -2, 2);
    Long seed =
        body.hasNonNull("seed")
            ? (long) intField(body, "seed", 0, Integer.MIN_VALUE, Integer.MAX_VALUE)
            : null;
    int n = intField(body, "n", 1, 1, 16);
    List<String> stop = new ArrayList<>();
    JsonNode stopNode = body.get("stop");
    if (stopNode != null && !stopNode.isNull()) {
      if (stopNode.isTextual()) {
        stop.add(stopNode.asText());
      } else if (stopNode.isArray()) {
        for (JsonNode s : stopNode) {
          if (!s.isTextual() || s.asText().isEmpty()) {
            throw ApiException.badRequest("'stop' entries must be non-empty strings", "stop");
          }
          stop.add(s.asText());
        }
      } else {
        throw ApiException.badRequest("'stop' must be a string or a list of strings", "stop");
      }
      if (stop.size() > 16 || stop.stream().anyMatch(String::isEmpty)) {
        throw ApiException.badRequest("'stop' takes up to 16 non-empty strings", "stop");
      }
    }
    List<Integer> stopIds = new ArrayList<>();
    JsonNode stopIdNode = body.get("stop_token_ids");
    if (stopIdNode != null && !stopIdNode.isNull()) {
      for (int id : intArray(stopIdNode, "stop_token_ids")) {
        stopIds.add(id);
      }
    }
    SamplingParams params;
    try {
      params =
          new SamplingParams(
              maxTokens,
              temperature,
              Math.max(topK, 0),
              topP,
              minP,
              rep,
              presence,
              frequency,
              seed,
              stopIds,
              stop,
              topLogprobs,
              body.path("ignore_eos").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage(), null);
    }
    boolean stream = body.path("stream").asBoolean(false);
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    return new GenerationSpec(ids, params, n, stream, includeUsage, logprobs, echo, text);
  }

  private int[] intArray(JsonNode node, String field) {
    if (!node.isArray()) {
      throw ApiException.badRequest("'" + field + "' must be a list of token ids", field);
    }
    int vocab = engine.model().config().vocabSize();
    int[] out = new int[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isInt() || v.asInt() < 0 || v.asInt() >= vocab) {
        throw ApiException.badRequest(
            "'"
                + field
                + "'["
                + i
                + "] = "
                + v
                + " is not a token id of this model (0.."
                + (vocab - 1)
                + ")",
            field);
      }
      out[i] = v.asInt();
    }
    return out;
  }

  static int intField(JsonNode body, String field, int def, int min, int max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return def;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw ApiException.badRequest(
          "'" + field + "' must be an integer in [" + min + ", " + max + "], got " + v, field);
    }
    return v.asInt();
  }

  static double doubleField(JsonNode body, String field, double def, double min, double max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return def;
    }
    if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
      throw ApiException.badRequest(
          "'" + field + "' must be a number in [" + min + ", " + max + "], got " + v, field);
    }
    return v.asDouble();
  }
}
