package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.grammar.Gbnf;
import dev.modelforge.engine.grammar.Grammar;
import dev.modelforge.engine.grammar.GrammarConstraint;
import dev.modelforge.engine.grammar.GrammarException;
import dev.modelforge.engine.grammar.JsonSchemaGrammar;
import dev.modelforge.engine.grammar.RegexGrammar;
import dev.modelforge.engine.grammar.TokenVocabulary;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The structured-output fields of a request — OpenAI's {@code response_format}, vLLM's {@code
 * guided_json | guided_regex | guided_choice | guided_grammar} and their newer {@code
 * structured_outputs} object — compiled to a grammar over this model's vocabulary. Compiled
 * grammars are cached by their text, so a schema sent with every request is compiled once and its
 * token masks are reused across requests.
 */
final class StructuredOutputs {

  /** Grammars kept compiled, least recently used dropped first. */
  private static final int CACHED_GRAMMARS = 64;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Tokenizer tokenizer;
  private volatile TokenVocabulary vocabulary;
  private final Map<String, GrammarConstraint> compiled =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, GrammarConstraint> eldest) {
          return size() > CACHED_GRAMMARS;
        }
      };

  StructuredOutputs(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The request's output constraint, or null when it asks for free text. */
  OutputConstraint fromRequest(GenerationRequest r) {
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    fields.put("response_format", r.responseFormat());
    fields.put("guided_json", r.guidedJson());
    fields.put("guided_regex", r.guidedRegex());
    fields.put("guided_choice", r.guidedChoice());
    fields.put("guided_grammar", r.guidedGrammar());
    fields.put("structured_outputs", r.structuredOutputs());
    List<String> given = new ArrayList<>();
    String gbnf = null;
    for (var entry : fields.entrySet()) {
      String field = entry.getKey();
      JsonNode v = entry.getValue();
      if (v == null || v.isNull()) {
        continue;
      }
      String g = field.equals("structured_outputs") ? structuredOutputs(v) : grammarOf(field, v);
      if (g != null) {
        given.add(field);
        gbnf = g;
      }
    }
    if (given.size() > 1) {
      throw ApiException.badRequest(
          "only one structured output may be asked for, got " + String.join(" and ", given),
          given.get(1));
    }
    return gbnf == null ? null : constraint(gbnf, given.getFirst());
  }

  private static String grammarOf(String field, JsonNode v) {
    return switch (field) {
      case "response_format" -> responseFormat(v);
      case "guided_json" -> grammar("json", v, field, field);
      case "guided_regex" -> grammar("regex", v, field, field);
      case "guided_choice" -> grammar("choice", v, field, field);
      case "guided_grammar" -> grammar("grammar", v, field, field);
      default -> throw new IllegalStateException(field);
    };
  }

  /**
   * The GBNF of one kind of structure (vLLM's structured_outputs keys: json, regex, choice,
   * grammar); errors name {@code field} (where in the request) and {@code param} (its field).
   */
  private static String grammar(String kind, JsonNode v, String field, String param) {
    try {
      return switch (kind) {
        case "json" -> JsonSchemaGrammar.fromSchema(schemaValue(v, field));
        case "regex" -> RegexGrammar.fromRegex(text(v, field));
        case "choice" -> Gbnf.choice(strings(v, field));
        case "grammar" -> text(v, field);
        default -> throw new IllegalStateException(kind);
      };
    } catch (GrammarException e) {
      throw ApiException.badRequest("'" + field + "': " + e.getMessage(), param);
    }
  }

  /** vLLM's {@code structured_outputs: {json | regex | choice | grammar | json_object}}. */
  private static String structuredOutputs(JsonNode v) {
    String field = "structured_outputs";
    if (!v.isObject()) {
      throw ApiException.badRequest("'structured_outputs' must be an object", field);
    }
    List<String> kinds = new ArrayList<>();
    String gbnf = null;
    for (var it = v.fields(); it.hasNext(); ) {
      var e = it.next();
      String kind = e.getKey();
      if (e.getValue().isNull() || kind.equals("json_object") && !e.getValue().asBoolean(false)) {
        continue;
      }
      gbnf =
          switch (kind) {
            case "json", "regex", "choice", "grammar" ->
                grammar(kind, e.getValue(), field + "." + kind, field);
            case "json_object" -> JsonSchemaGrammar.anyJsonObject();
            default ->
                throw ApiException.badRequest(
                    "'structured_outputs."
                        + kind
                        + "' is not supported (json, regex, choice, grammar, json_object are)",
                    field);
          };
      kinds.add(kind);
    }
    if (kinds.size() > 1) {
      throw ApiException.badRequest(
          "'structured_outputs' may hold one of json, regex, choice, grammar, json_object; got "
              + kinds,
          field);
    }
    return gbnf;
  }

  private static String responseFormat(JsonNode v) {
    String type = v.path("type").asText("");
    return switch (type) {
      case "text" -> null;
      case "json_object" -> JsonSchemaGrammar.anyJsonObject();
      case "json_schema" -> {
        JsonNode schema = v.path("json_schema").get("schema");
        if (schema == null || schema.isNull()) {
          throw ApiException.badRequest(
              "'response_format.json_schema.schema' is required for type json_schema",
              "response_format");
        }
        try {
          yield JsonSchemaGrammar.fromSchema(schema);
        } catch (GrammarException e) {
          throw ApiException.badRequest("'response_format': " + e.getMessage(), "response_format");
        }
      }
      default ->
          throw ApiException.badRequest(
              "'response_format.type' must be text, json_object or json_schema, got '" + type + "'",
              "response_format");
    };
  }

  /** A schema given as an object, or as JSON text (vLLM takes both). */
  private static JsonNode schemaValue(JsonNode v, String field) {
    if (v.isObject() || v.isBoolean()) {
      return v;
    }
    if (v.isTextual()) {
      try {
        return JSON.readTree(v.asText());
      } catch (JsonProcessingException e) {
        throw ApiException.badRequest(
            "'" + field + "' is not a JSON schema: " + e.getOriginalMessage(), field);
      }
    }
    throw ApiException.badRequest("'" + field + "' must be a JSON schema object", field);
  }

  private static String text(JsonNode v, String field) {
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw ApiException.badRequest("'" + field + "' must be a non-empty string", field);
    }
    return v.asText();
  }

  private static List<String> strings(JsonNode v, String field) {
    if (!v.isArray() || v.isEmpty()) {
      throw ApiException.badRequest("'" + field + "' must be a non-empty list of strings", field);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : v) {
      if (!s.isTextual()) {
        throw ApiException.badRequest("'" + field + "' entries must be strings, got " + s, field);
      }
      out.add(s.asText());
    }
    return out;
  }

  /**
   * The grammar {@code tool_choice: required} or a named function puts the answer under: one call
   * (or several, with parallel_tool_calls) in the model's format, arguments per the parameters.
   */
  OutputConstraint toolCalls(ToolCalls tools) {
    String gbnf;
    try {
      gbnf = tools.callsGrammar() + JsonSchemaGrammar.fromSchema(tools.callSchema(), "call-json");
    } catch (GrammarException e) {
      throw ApiException.badRequest("'tools': a function's parameters: " + e.getMessage(), "tools");
    }
    return constraint(gbnf, "tools");
  }

  private OutputConstraint constraint(String gbnf, String field) {
    synchronized (compiled) {
      GrammarConstraint known = compiled.get(gbnf);
      if (known != null) {
        return known;
      }
    }
    GrammarConstraint c;
    try {
      c = new GrammarConstraint(Grammar.parse(gbnf), vocabulary());
    } catch (GrammarException e) {
      throw ApiException.badRequest("'" + field + "': " + e.getMessage(), field);
    }
    synchronized (compiled) {
      compiled.putIfAbsent(gbnf, c);
      return compiled.get(gbnf);
    }
  }

  private TokenVocabulary vocabulary() {
    TokenVocabulary v = vocabulary;
    if (v == null) {
      synchronized (this) {
        v = vocabulary;
        if (v == null) {
          vocabulary = v = TokenVocabulary.of(tokenizer);
        }
      }
    }
    return v;
  }
}
