package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads OpenAI completion and chat requests (with vLLM's extra sampling fields) into their typed
 * records ({@link CompletionRequest}, {@link ChatCompletionRequest}), then into a {@link
 * GenerationSpec}. Every refusal names the field and the value.
 */
final class RequestParser {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServingEngine.Loaded engine;

  RequestParser(ServingEngine.Loaded engine) {
    this.engine = engine;
  }

  /** Most prompts one completion request may carry (vLLM sets no limit; one is needed). */
  static final int MAX_PROMPTS = 64;

  /**
   * A completion request, one spec per prompt: {@code prompt} may be a string, a list of token ids,
   * or a list of either (a batch, as vLLM takes it).
   */
  List<GenerationSpec> completions(JsonNode body) {
    CompletionRequest r = ApiRequests.read(body, CompletionRequest.class);
    noOpOnly("suffix", r.suffix() == null || r.suffix().isEmpty());
    noOpOnly("tools", isEmptyList(r.tools()));
    noOpOnly("functions", isEmptyList(r.functions()));
    noOpOnly("tool_choice", isNone(r.toolChoice()));
    noOpOnly("function_call", isNone(r.functionCall()));
    JsonNode prompt = r.prompt();
    boolean batch =
        prompt != null
            && prompt.isArray()
            && prompt.size() > 1
            && (prompt.get(0).isTextual() || prompt.get(0).isArray());
    if (!batch) {
      return List.of(completion(r, prompt));
    }
    if (prompt.size() > MAX_PROMPTS) {
      throw ApiException.badRequest(
          "'prompt' holds " + prompt.size() + " prompts; at most " + MAX_PROMPTS + " per request",
          "prompt");
    }
    List<GenerationSpec> specs = new ArrayList<>();
    for (JsonNode one : prompt) {
      if (!one.isTextual() && !one.isArray()) {
        throw ApiException.badRequest(
            "'prompt' lists must hold strings or lists of token ids, got " + one, "prompt");
      }
      specs.add(completion(r, one));
    }
    return specs;
  }

  private GenerationSpec completion(CompletionRequest r, JsonNode prompt) {
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
    JsonNode lp = r.logprobs();
    boolean logprobs = lp != null && !lp.isNull();
    if (logprobs && (!lp.isIntegralNumber() || !lp.canConvertToInt())) {
      throw ApiException.badRequest(
          "'logprobs' must be an integer in [0, 20] on completions, got " + lp, "logprobs");
    }
    int top = logprobs ? range(lp.asInt(), "logprobs", 0, 0, 20) : 0;
    return spec(r, r.maxTokens(), ids, text, logprobs, top, 16, Boolean.TRUE.equals(r.echo()));
  }

  GenerationSpec chat(JsonNode body) {
    ChatCompletionRequest r = ApiRequests.read(body, ChatCompletionRequest.class);
    noOpOnly("functions", isEmptyList(r.functions()));
    noOpOnly("function_call", isNone(r.functionCall()));
    noOpOnly("best_of", r.bestOf() == null || r.bestOf().equals(r.n() == null ? 1 : r.n()));
    JsonNode lp = r.logprobs();
    if (lp != null && !lp.isNull() && !lp.isBoolean()) {
      throw ApiException.badRequest("'logprobs' must be true or false, got " + lp, "logprobs");
    }
    boolean logprobs = lp != null && lp.asBoolean(false);
    if (r.topLogprobs() != null && !logprobs) {
      throw ApiException.badRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    }
    JsonNode messages = r.messages();
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
      // name, tool_calls, tool_call_id: the template renders them as Hugging Face passes them
      for (var it = m.fields(); it.hasNext(); ) {
        var field = it.next();
        if (!field.getKey().equals("role") && !field.getKey().equals("content")) {
          msg.put(field.getKey(), JSON.convertValue(field.getValue(), Object.class));
        }
      }
      list.add(msg);
    }
    if (engine.chatTemplate() == null) {
      throw ApiException.badRequest(
          "this model has no chat template in tokenizer_config.json; use /v1/completions",
          "messages");
    }
    ToolCalls tools =
        ToolCalls.fromRequest(
            r.tools(), r.toolChoice(), r.parallelToolCalls(), engine.chatTemplate().source());
    Map<String, Object> variables = new LinkedHashMap<>(templateKwargs(r.chatTemplateKwargs()));
    if (tools != null) {
      variables.put("tools", tools.tools());
    }
    String prompt;
    try {
      prompt =
          engine
              .chatTemplate()
              .render(list, r.addGenerationPrompt() == null || r.addGenerationPrompt(), variables);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage(), "messages");
    }
    // the template already wrote BOS where the model wants it
    int[] ids = engine.tokenizer().encode(prompt, false);
    int top = logprobs ? range(r.topLogprobs(), "top_logprobs", 0, 0, 20) : 0;
    int defaultMax = Math.max(1, engine.maxModelLength() - ids.length);
    Integer maxTokens = r.maxTokens() != null ? r.maxTokens() : r.maxCompletionTokens();
    GenerationSpec spec = spec(r, maxTokens, ids, prompt, logprobs, top, defaultMax, false);
    if (tools == null) {
      return spec;
    }
    if (tools.forced() && spec.constraint() != null) {
      throw ApiException.badRequest(
          "'tool_choice' "
              + tools.choice()
              + " forces tool calls; it cannot be combined with a"
              + " structured output",
          "tool_choice");
    }
    return spec.withTools(tools, tools.forced() ? engine.structured().toolCalls(tools) : null);
  }

  /**
   * A field the OpenAI API or vLLM defines but this server does not implement is taken only at its
   * no-op value ({@code tools: []} on completions, {@code tool_choice: "none"}, {@code best_of}
   * equal to {@code n} on chat, ...); any other value is refused with a 400 naming it.
   */
  private static void noOpOnly(String field, boolean isNoOp) {
    if (!isNoOp) {
      throw ApiException.badRequest(
          "'" + field + "' is not supported by this server (see docs/openai-api.md)", field);
    }
  }

  private static boolean isEmptyList(JsonNode v) {
    return v == null || v.isNull() || (v.isArray() && v.isEmpty());
  }

  private static boolean isNone(JsonNode v) {
    return v == null || v.isNull() || v.asText().equals("none");
  }

  /** {@code chat_template_kwargs}: more variables for the template (enable_thinking, ...). */
  private static Map<String, Object> templateKwargs(JsonNode v) {
    if (v == null || v.isNull()) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw ApiException.badRequest(
          "'chat_template_kwargs' must be an object of template variables", "chat_template_kwargs");
    }
    for (String reserved : List.of("messages", "tools", "add_generation_prompt")) {
      if (v.has(reserved)) {
        throw ApiException.badRequest(
            "'chat_template_kwargs' may not set '" + reserved + "'; use the request field",
            "chat_template_kwargs");
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = JSON.convertValue(v, Map.class);
    return map;
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
      GenerationRequest r,
      Integer maxTokensField,
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
    int maxTokens = range(maxTokensField, "max_tokens", defaultMaxTokens, 0, Integer.MAX_VALUE);
    if (maxTokens == 0 && !echo) {
      throw ApiException.badRequest(
          "'max_tokens' must be at least 1, got 0 (0 is taken only with echo: the prompt back,"
              + " nothing generated)",
          "max_tokens");
    }
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
    double temperature = range(r.temperature(), "temperature", 1.0, 0, 2);
    double topP = range(r.topP(), "top_p", 1.0, Double.MIN_VALUE, 1);
    int topK = range(r.topK(), "top_k", -1, -1, Integer.MAX_VALUE);
    double minP = range(r.minP(), "min_p", 0, 0, 1);
    double rep = range(r.repetitionPenalty(), "repetition_penalty", 1, Double.MIN_VALUE, 10);
    double presence = range(r.presencePenalty(), "presence_penalty", 0, -2, 2);
    double frequency = range(r.frequencyPenalty(), "frequency_penalty", 0, -2, 2);
    int n = range(r.n(), "n", 1, 1, MAX_N);
    int bestOf = range(r.bestOf(), "best_of", n, 1, MAX_N);
    boolean stream = Boolean.TRUE.equals(r.stream());
    if (bestOf < n) {
      throw ApiException.badRequest(
          "'best_of' must be at least n, got n=" + n + " and best_of=" + bestOf, "best_of");
    }
    if (bestOf > n && stream) {
      throw ApiException.badRequest(
          "'best_of' greater than n cannot be streamed: the best choices are known only at the end",
          "best_of");
    }
    GenerationSpec.Beam beam = beam(r, n, bestOf);
    List<String> stop = stopStrings(r.stop());
    List<Integer> stopIds = new ArrayList<>();
    if (r.stopTokenIds() != null) {
      int vocab = engine.model().config().vocabSize();
      for (int i = 0; i < r.stopTokenIds().size(); i++) {
        Integer id = r.stopTokenIds().get(i);
        if (id == null || id < 0 || id >= vocab) {
          throw ApiException.badRequest(
              "'stop_token_ids'["
                  + i
                  + "] = "
                  + id
                  + " is not a token id of this model (0.."
                  + (vocab - 1)
                  + ")",
              "stop_token_ids");
        }
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
              r.seed(),
              stopIds,
              stop,
              topLogprobs,
              Boolean.TRUE.equals(r.ignoreEos()),
              logitBias(r.logitBias()),
              Boolean.TRUE.equals(r.includeStopStrInOutput()));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage(), null);
    }
    boolean includeUsage =
        r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage());
    var constraint = engine.structured().fromRequest(r);
    return new GenerationSpec(
        ids, params, n, bestOf, stream, includeUsage, logprobs, echo, text, constraint, null, beam);
  }

  private static List<String> stopStrings(JsonNode stopNode) {
    List<String> stop = new ArrayList<>();
    if (stopNode == null || stopNode.isNull()) {
      return stop;
    }
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
    return stop;
  }

  /** Most choices (n, best_of, beams) one prompt may ask for. */
  static final int MAX_N = 16;

  /**
   * vLLM's use_beam_search: n beams ranked by sum of log-probabilities over length^length_penalty
   * (Hugging Face's beam search, see BeamSearch). What would change sampling is refused rather than
   * ignored, as are the beam settings without beam search.
   */
  private static GenerationSpec.Beam beam(GenerationRequest r, int n, int bestOf) {
    double lengthPenalty = range(r.lengthPenalty(), "length_penalty", 1.0, -10, 10);
    boolean early = Boolean.TRUE.equals(r.earlyStopping());
    if (!Boolean.TRUE.equals(r.useBeamSearch())) {
      if (lengthPenalty != 1.0 || early) {
        String field = lengthPenalty != 1.0 ? "length_penalty" : "early_stopping";
        throw ApiException.badRequest(
            "'" + field + "' applies only to beam search; add \"use_beam_search\": true", field);
      }
      return null;
    }
    record Off(String field, Double value, double off) {}
    for (Off o :
        List.of(
            new Off("top_p", r.topP(), 1.0),
            new Off("min_p", r.minP(), 0.0),
            new Off("repetition_penalty", r.repetitionPenalty(), 1.0),
            new Off("presence_penalty", r.presencePenalty(), 0.0),
            new Off("frequency_penalty", r.frequencyPenalty(), 0.0))) {
      if (o.value() != null && o.value() != o.off()) {
        throw notWithBeams(o.field());
      }
    }
    if (r.topK() != null && r.topK() > 0) {
      throw notWithBeams("top_k");
    }
    if (r.temperature() != null && r.temperature() != 0 && r.temperature() != 1) {
      throw notWithBeams("temperature");
    }
    if (r.seed() != null) {
      throw notWithBeams("seed");
    }
    if (!isEmptyList(r.stop()) && !(r.stop().isTextual() && r.stop().asText().isEmpty())) {
      throw notWithBeams("stop");
    }
    if (r.logitBias() != null && !r.logitBias().isNull() && !r.logitBias().isEmpty()) {
      throw notWithBeams("logit_bias");
    }
    if (r.logprobs() != null && !r.logprobs().isNull() && !r.logprobs().asText().equals("false")) {
      throw ApiException.badRequest(
          "'logprobs' is not reported under use_beam_search: a beam has a total log-probability,"
              + " not one distribution per token",
          "logprobs");
    }
    if (bestOf != n) {
      throw ApiException.badRequest(
          "'best_of' does not combine with use_beam_search: n is the beam width", "best_of");
    }
    return new GenerationSpec.Beam(lengthPenalty, early);
  }

  private static ApiException notWithBeams(String field) {
    return ApiException.badRequest(
        "'"
            + field
            + "' has no meaning under use_beam_search: beams are ranked by the model's own"
            + " log-probabilities (temperature 1)",
        field);
  }

  /** OpenAI's logit_bias: token ids (as strings) to a bias in [-100, 100] added to the logits. */
  private Map<Integer, Float> logitBias(JsonNode v) {
    if (v == null || v.isNull()) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw ApiException.badRequest(
          "'logit_bias' must map token ids to biases in [-100, 100]", "logit_bias");
    }
    int vocab = engine.model().config().vocabSize();
    Map<Integer, Float> bias = new LinkedHashMap<>();
    for (var it = v.fields(); it.hasNext(); ) {
      var entry = it.next();
      int id;
      try {
        id = Integer.parseInt(entry.getKey().trim());
      } catch (NumberFormatException e) {
        id = -1;
      }
      if (id < 0 || id >= vocab) {
        throw ApiException.badRequest(
            "'logit_bias' key '"
                + entry.getKey()
                + "' is not a token id of this model (0.."
                + (vocab - 1)
                + ")",
            "logit_bias");
      }
      JsonNode b = entry.getValue();
      if (!b.isNumber() || b.asDouble() < -100 || b.asDouble() > 100) {
        throw ApiException.badRequest(
            "'logit_bias' of token " + id + " must be a number in [-100, 100], got " + b,
            "logit_bias");
      }
      bias.put(id, (float) b.asDouble());
    }
    return bias;
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

  /** An integer field's value, or {@code def} when absent; refused outside [min, max]. */
  static int range(Integer v, String field, int def, int min, int max) {
    if (v == null) {
      return def;
    }
    if (v < min || v > max) {
      throw ApiException.badRequest(
          "'" + field + "' must be an integer in [" + min + ", " + max + "], got " + v, field);
    }
    return v;
  }

  /** A number field's value, or {@code def} when absent; refused outside [min, max]. */
  static double range(Double v, String field, double def, double min, double max) {
    if (v == null) {
      return def;
    }
    if (v.isNaN() || v < min || v > max) {
      throw ApiException.badRequest(
          "'" + field + "' must be a number in [" + min + ", " + max + "], got " + v, field);
    }
    return v;
  }
}
