package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tool calling for one chat request: the {@code tools} handed to the chat template as Hugging Face
 * hands them, the JSON schema that {@code tool_choice: required} or a named function forces the
 * output into, and the tool calls parsed back out of the text in the model family's format.
 *
 * @param tools the request's tools, as the template receives them
 * @param choice none, auto, required, or the one function's name
 * @param named whether {@code choice} names a function
 * @param parallel whether several calls may come in one answer
 * @param format how the model writes its calls
 */
record ToolCalls(
    List<Object> tools,
    String choice,
    boolean named,
    boolean parallel,
    Format format,
    List<JsonNode> functions) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a model family writes tool calls. */
  enum Format {
    /**
     * Qwen2.5, Qwen3, Hermes: {@code <tool_call>\n{"name": .., "arguments": {..}}\n</tool_call>}.
     */
    HERMES,
    /** Llama 3.1 and later: {@code {"name": .., "parameters": {..}}}, several joined by "; ". */
    LLAMA3_JSON;

    /** The format a chat template's own tool-call instructions describe, or null. */
    static Format of(String template) {
      if (template.contains("<tool_call>")) {
        return HERMES;
      }
      if (template.contains("<|python_tag|>") || template.contains("\"parameters\"")) {
        return LLAMA3_JSON;
      }
      return null;
    }

    String argumentsKey() {
      return this == HERMES ? "arguments" : "parameters";
    }
  }

  /** A parsed tool call. */
  record Call(String id, String name, String arguments) {}

  /** What an answer held: its text outside the calls (null when none), and the calls. */
  record Parsed(String content, List<Call> calls) {}

  /** The request's tool fields, or null when it offers no tools. */
  static ToolCalls fromRequest(
      JsonNode tools, JsonNode choiceNode, Boolean parallelToolCalls, String template) {
    if (tools == null || tools.isNull() || (tools.isArray() && tools.isEmpty())) {
      if (choiceNode != null && !choiceNode.isNull() && !choiceNode.asText().equals("none")) {
        throw ApiException.badRequest("'tool_choice' needs 'tools'", "tool_choice");
      }
      return null;
    }
    if (!tools.isArray()) {
      throw ApiException.badRequest("'tools' must be a list of functions", "tools");
    }
    List<JsonNode> functions = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      JsonNode fn = t.path("function");
      if (!t.path("type").asText().equals("function") || !fn.path("name").isTextual()) {
        throw ApiException.badRequest(
            "tools[" + i + "] must be {\"type\": \"function\", \"function\": {\"name\": ...}}",
            "tools");
      }
      if (fn.has("parameters") && !fn.get("parameters").isObject()) {
        throw ApiException.badRequest(
            "tools[" + i + "].function.parameters must be a JSON schema object", "tools");
      }
      functions.add(fn);
    }
    String choice = "auto";
    boolean named = false;
    if (choiceNode != null && !choiceNode.isNull()) {
      if (choiceNode.isTextual()) {
        choice = choiceNode.asText();
        if (!List.of("none", "auto", "required").contains(choice)) {
          throw ApiException.badRequest(
              "'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\":"
                  + " {\"name\": ...}}, got '"
                  + choice
                  + "'",
              "tool_choice");
        }
      } else {
        String name = choiceNode.path("function").path("name").asText(null);
        if (name == null
            || functions.stream().noneMatch(f -> f.get("name").asText().equals(name))) {
          throw ApiException.badRequest(
              "'tool_choice' names function '" + name + "', which is not among the tools",
              "tool_choice");
        }
        choice = name;
        named = true;
      }
    }
    boolean parallel = parallelToolCalls == null || parallelToolCalls;
    Format format = Format.of(template);
    if (format == null && !choice.equals("none")) {
      throw ApiException.badRequest(
          "'tools' need a chat template that says how the model writes tool calls (<tool_call> or"
              + " Llama 3 JSON); this model's does not, so use tool_choice none",
          "tools");
    }
    @SuppressWarnings("unchecked")
    List<Object> asTemplate = JSON.convertValue(tools, List.class);
    return new ToolCalls(asTemplate, choice, named, parallel, format, List.copyOf(functions));
  }

  /** Whether the answer is parsed for calls. */
  boolean parses() {
    return !choice.equals("none");
  }

  /** Whether the output must be calls: {@code required} or a named function. */
  boolean forced() {
    return named || choice.equals("required");
  }

  /**
   * The JSON schema of one call the output must make: the named function, or any of the tools, with
   * the function's parameters as its arguments.
   */
  JsonNode callSchema() {
    ArrayNode anyOf = JSON.createArrayNode();
    for (JsonNode fn : functions) {
      String name = fn.get("name").asText();
      if (named && !name.equals(choice)) {
        continue;
      }
      ObjectNode call = anyOf.addObject();
      call.put("type", "object");
      ObjectNode props = call.putObject("properties");
      props.putObject("name").put("const", name);
      JsonNode params = fn.get("parameters");
      props.set(
          format.argumentsKey(),
          params == null ? JSON.createObjectNode().put("type", "object") : params);
      call.putArray("required").add("name").add(format.argumentsKey());
      call.put("additionalProperties", false);
    }
    return anyOf.size() == 1 ? anyOf.get(0) : JSON.createObjectNode().set("anyOf", anyOf);
  }

  /** GBNF around the call rule {@code call-json}: how the calls are written one after another. */
  String callsGrammar() {
    return switch (format) {
      case HERMES ->
          "root ::= call"
              + (parallel ? " ( \"\\n\" call )*" : "")
              + "\ncall ::= \"<tool_call>\\n\" call-json \"\\n</tool_call>\"\n";
      case LLAMA3_JSON -> "root ::= call-json" + (parallel ? " ( \"; \" call-json )*" : "") + "\n";
    };
  }

  private static final Pattern HERMES_CALL =
      Pattern.compile("<tool_call>\\s*(.*?)\\s*</tool_call>", Pattern.DOTALL);

  /** The calls in a finished answer; text that is not a well-formed call stays content. */
  Parsed parse(String text) {
    List<Call> calls = new ArrayList<>();
    String content;
    if (format == Format.HERMES) {
      StringBuilder rest = new StringBuilder();
      Matcher m = HERMES_CALL.matcher(text);
      int last = 0;
      while (m.find()) {
        Call call = call(m.group(1));
        if (call == null) {
          continue;
        }
        rest.append(text, last, m.start());
        last = m.end();
        calls.add(call);
      }
      rest.append(text.substring(last));
      content = rest.toString().strip();
    } else {
      String body = text.strip();
      if (body.startsWith("<|python_tag|>")) {
        body = body.substring("<|python_tag|>".length()).strip();
      }
      for (String part : body.split(";\\s*(?=\\{)")) {
        Call call = body.startsWith("{") ? call(part) : null;
        if (call == null) {
          calls.clear();
          break;
        }
        calls.add(call);
      }
      content = calls.isEmpty() ? text : "";
    }
    return new Parsed(content.isEmpty() && !calls.isEmpty() ? null : content, calls);
  }

  private Call call(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      JsonNode args = node.has("arguments") ? node.get("arguments") : node.get("parameters");
      if (!node.path("name").isTextual() || args == null) {
        return null;
      }
      String arguments = args.isTextual() ? args.asText() : JSON.writeValueAsString(args);
      String id = "chatcmpl-tool-" + UUID.randomUUID().toString().replace("-", "");
      return new Call(id, node.get("name").asText(), arguments);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /**
   * How much of a streamed answer can go out as content now: everything before a call may start (a
   * Hermes opener, or any of it while a Llama 3 answer could still be a JSON call).
   */
  int streamable(String soFar) {
    if (format == Format.HERMES) {
      int open = soFar.indexOf("<tool_call>");
      if (open >= 0) {
        return open;
      }
      for (int k = Math.min("<tool_call>".length() - 1, soFar.length()); k > 0; k--) {
        if ("<tool_call>".startsWith(soFar.substring(soFar.length() - k))) {
          return soFar.length() - k;
        }
      }
      return soFar.length();
    }
    String s = soFar.stripLeading();
    boolean mayBeCall =
        s.isEmpty()
            || s.startsWith("{")
            || "<|python_tag|>".startsWith(s)
            || s.startsWith("<|python_tag|>");
    return mayBeCall ? 0 : soFar.length();
  }

  /** The {@code tool_calls} array of a finished message (a stream's come from ToolCallStream). */
  static ArrayNode toJson(List<Call> calls) {
    ArrayNode arr = JSON.createArrayNode();
    for (Call c : calls) {
      ObjectNode o = arr.addObject();
      o.put("id", c.id());
      o.put("type", "function");
      o.putObject("function").put("name", c.name()).put("arguments", c.arguments());
    }
    return arr;
  }

  /** The template variables tools add. */
  Map<String, Object> templateVariables() {
    return Map.of("tools", tools);
  }
}
