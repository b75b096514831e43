package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads OpenAI completion and chat requests (with vLLM's extra sampling fields) into a {@link
 * GenerationSpec}. Every refusal names the field and the value.
 */
final class RequestParser {

  /**
   * What both endpoints honour. {@code model} picks the served model or adapter; {@code user} is
   * the caller's own tag, which no server acts on.
   */
  private static final Set<String> COMMON =
      Set.of(
          "model",
          "user",
          "max_tokens",
          "temperature",
          "top_p",
          "top_k",
          "min_p",
          "repetition_penalty",
          "presence_penalty",
          "frequency_penalty",
          "seed",
          "n",
          "stop",
          "stop_token_ids",
          "stream",
          "stream_options",
          "ignore_eos",
          "logit_bias",
          "include_stop_str_in_output",
          "use_beam_search",
          "length_penalty",
          "early_stopping");

  static final Set<String> COMPLETION_FIELDS =
      with(
          with(COMMON, StructuredOutputs.FIELDS.toArray(String[]::new)),
          "prompt",
          "logprobs",
          "echo",
          "best_of");

  static final Set<String> CHAT_FIELDS =
      with(
          with(COMMON, StructuredOutputs.FIELDS.toArray(String[]::new)),
          "messages",
          "logprobs",
          "top_logprobs",
          "max_completion_tokens",
          "add_generation_prompt",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "chat_template_kwargs");

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
    JsonNode prompt = body.get("prompt");
    boolean batch =
        prompt != null
            && prompt.isArray()
            && prompt.size() > 1
            && (prompt.get(0).isTextual() || prompt.get(0).isArray());
    if (!batch) {
      return List.of(completion(body, prompt));
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
      specs.add(completion(body, one));
    }
    return specs;
  }

  private GenerationSpec completion(JsonNode body, JsonNode prompt) {
    refuseUnsupported(body, COMPLETION_FIELDS);
    booleans(body, "stream", "echo", "ignore_eos", "include_stop_str_in_output");
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
    refuseUnsupported(body, CHAT_FIELDS);
    booleans(
        body,
        "stream",
        "logprobs",
        "ignore_eos",
        "add_generation_prompt",
        "include_stop_str_in_output");
    if (body.hasNonNull("top_logprobs") && !body.path("logprobs").asBoolean(false)) {
      throw ApiException.badRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    }
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
    ToolCalls tools = ToolCalls.fromRequest(body, engine.chatTemplate().source());
    Map<String, Object> variables = new LinkedHashMap<>(templateKwargs(body));
    if (tools != null) {
      variables.put("tools", tools.tools());
    }
    String prompt;
    try {
      prompt =
          engine
              .chatTemplate()
              .render(list, body.path("add_generation_prompt").asBoolean(true), variables);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage(), "messages");
    }
    // the template already wrote BOS where the model wants it
    int[] ids = engine.tokenizer().encode(prompt, false);
    boolean logprobs = body.path("logprobs").asBoolean(false);
    int top = logprobs ? intField(body, "top_logprobs", 0, 0, 20) : 0;
    int defaultMax = Math.max(1, engine.maxModelLength() - ids.length);
    JsonNode maxCompletion = body.get("max_completion_tokens");
    if (maxCompletion != null && !maxCompletion.isNull() && !body.has("max_tokens")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) body).set("max_tokens", maxCompletion);
    }
    GenerationSpec spec = spec(body, ids, prompt, logprobs, top, defaultMax, false);
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

  /** {@code chat_template_kwargs}: more variables for the template (enable_thinking, ...). */
  private static Map<String, Object> templateKwargs(JsonNode body) {
    JsonNode v = body.get("chat_template_kwargs");
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
    double temperature = doubleField(body, "temperature", 1.0, 0, 2);
    double topP = doubleField(body, "top_p", 1.0, Double.MIN_VALUE, 1);
    int topK = intField(body, "top_k", -1, -1, Integer.MAX_VALUE);
    double minP = doubleField(body, "min_p", 0, 0, 1);
    double rep = doubleField(body, "repetition_penalty", 1, Double.MIN_VALUE, 10);
    double presence = doubleField(body, "presence_penalty", 0, -2, 2);
    double frequency = doubleField(body, "frequency_penalty", 0, -2, 2);
    Long seed = seed(body);
    int n = intField(body, "n", 1, 1, MAX_N);
    int bestOf = intField(body, "best_of", n, 1, MAX_N);
    if (bestOf < n) {
      throw ApiException.badRequest(
          "'best_of' must be at least n, got n=" + n + " and best_of=" + bestOf, "best_of");
    }
    if (bestOf > n && body.path("stream").asBoolean(false)) {
      throw ApiException.badRequest(
          "'best_of' greater than n cannot be streamed: the best choices are known only at the end",
          "best_of");
    }
    GenerationSpec.Beam beam = beam(body, n, bestOf);
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
              body.path("ignore_eos").asBoolean(false),
              logitBias(body),
              body.path("include_stop_str_in_output").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage(), null);
    }
    boolean stream = body.path("stream").asBoolean(false);
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    var constraint = engine.structured().fromRequest(body);
    return new GenerationSpec(
        ids, params, n, bestOf, stream, includeUsage, logprobs, echo, text, constraint, null, beam);
  }

  /** Most choices (n, best_of, beams) one prompt may ask for. */
  static final int MAX_N = 16;

  /** Sampling fields beam search has no use for, with the value that leaves them off. */
  private static final Map<String, Double> SAMPLING_DEFAULTS =
      Map.of(
          "top_p", 1.0,
          "min_p", 0.0,
          "repetition_penalty", 1.0,
          "presence_penalty", 0.0,
          "frequency_penalty", 0.0);

  /**
   * vLLM's use_beam_search: n beams ranked by sum of log-probabilities over length^length_penalty
   * (Hugging Face's beam search, see BeamSearch). What would change sampling is refused rather than
   * ignored, as are the beam settings without beam search.
   */
  private static GenerationSpec.Beam beam(JsonNode body, int n, int bestOf) {
    booleans(body, "use_beam_search", "early_stopping");
    boolean use = body.path("use_beam_search").asBoolean(false);
    double lengthPenalty = doubleField(body, "length_penalty", 1.0, -10, 10);
    boolean early = body.path("early_stopping").asBoolean(false);
    if (!use) {
      for (String f : List.of("length_penalty", "early_stopping")) {
        if (f.equals("length_penalty") ? lengthPenalty != 1.0 : early) {
          throw ApiException.badRequest(
              "'" + f + "' applies only to beam search; add \"use_beam_search\": true", f);
        }
      }
      return null;
    }
    for (var e : SAMPLING_DEFAULTS.entrySet()) {
      JsonNode v = body.get(e.getKey());
      if (v != null && !v.isNull() && v.asDouble() != e.getValue()) {
        throw notWithBeams(e.getKey());
      }
    }
    int topK = body.path("top_k").asInt(-1);
    if (topK > 0) {
      throw notWithBeams("top_k");
    }
    double temperature = body.path("temperature").asDouble(1.0);
    if (temperature != 0 && temperature != 1) {
      throw notWithBeams("temperature");
    }
    for (String f : List.of("seed", "logit_bias", "stop", "top_logprobs")) {
      JsonNode v = body.get(f);
      if (v != null && !v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
        throw notWithBeams(f);
      }
    }
    JsonNode logprobs = body.get("logprobs");
    if (logprobs != null && !logprobs.isNull() && !logprobs.asText().equals("false")) {
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

  /**
   * A field the OpenAI API or vLLM defines but this server does not implement yet is refused with a
   * 400 naming it, unless it carries its no-op value ({@code tools: []} on completions, {@code
   * tool_choice: "none"}, {@code best_of} equal to {@code n}, ...); so is a field nobody defines.
   * Nothing a caller asks for is dropped in silence.
   */
  static void refuseUnsupported(JsonNode body, Set<String> honoured) {
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      JsonNode value = body.get(field);
      if (honoured.contains(field) || value.isNull() || isNoOp(field, value, body)) {
        continue;
      }
      throw ApiException.badRequest(
          "'" + field + "' is not supported by this server (see docs/openai-api.md)", field);
    }
  }

  private static boolean isNoOp(String field, JsonNode value, JsonNode body) {
    return switch (field) {
      case "tools", "functions" -> value.isArray() && value.isEmpty();
      case "tool_choice", "function_call" -> value.asText().equals("none");
      case "best_of" -> value.isInt() && value.asInt() == body.path("n").asInt(1);
      case "suffix" -> value.isTextual() && value.asText().isEmpty();
      default -> false;
    };
  }

  private static void booleans(JsonNode body, String... fields) {
    for (String field : fields) {
      JsonNode v = body.get(field);
      if (v != null && !v.isNull() && !v.isBoolean()) {
        throw ApiException.badRequest("'" + field + "' must be true or false, got " + v, field);
      }
    }
  }

  /** A 64-bit seed, as vLLM takes it. */
  private static Long seed(JsonNode body) {
    JsonNode v = body.get("seed");
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.badRequest("'seed' must be a 64-bit integer, got " + v, "seed");
    }
    return v.asLong();
  }

  /** OpenAI's logit_bias: token ids (as strings) to a bias in [-100, 100] added to the logits. */
  private Map<Integer, Float> logitBias(JsonNode body) {
    JsonNode v = body.get("logit_bias");
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

  private static Set<String> with(Set<String> base, String... more) {
    Set<String> all = new HashSet<>(base);
    all.addAll(List.of(more));
    return Set.copyOf(all);
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
