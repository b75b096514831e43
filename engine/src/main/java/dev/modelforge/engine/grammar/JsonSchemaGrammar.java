package dev.modelforge.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.modelforge.engine.grammar.RegexGrammar.CodePoints;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Converts a JSON schema to GBNF for structured outputs ({@code response_format: json_schema},
 * vLLM's {@code guided_json}), so sampling can only produce JSON the schema accepts. A keyword the
 * grammar cannot express is refused, never loosened.
 *
 * <p>The JSON is compact with at most one space after {@code :} and {@code ,}; objects hold their
 * declared properties in declaration order, then any additional ones; numbers have at most 16
 * integer and 16 fraction digits and a 3-digit exponent, so small models terminate. A schema
 * without {@code type} whose keywords belong to some types only (say {@code properties}) is taken
 * to be of those types, as llama.cpp and xgrammar do. A {@code pattern} must match the whole
 * string. Pattern and format strings, and additional-property names while they could still be a
 * declared name, are spelled without {@code \}{@code u} escapes of printable characters: a subset
 * of the spellings the schema accepts.
 */
public final class JsonSchemaGrammar {

  private static final Set<String> ANNOTATIONS =
      Set.of(
          ("title description examples default $schema $id $comment deprecated readOnly writeOnly"
                  + " $defs definitions")
              .split(" "));

  /** Keywords that constrain one type only, and that type (implied when 'type' is absent). */
  private static final Map<String, String> TYPE_OF = new HashMap<>();

  /** Rules any grammar may use, emitted after the schema's own rules when referred to. */
  private static final Map<String, String> BUILTINS = new LinkedHashMap<>();

  /** Keywords that stand alone (but for annotations, nullable, and type next to enum/const). */
  private static final List<String> COMBINATORS =
      List.of("$ref", "anyOf", "oneOf", "allOf", "enum", "const");

  private static final String NEXT_TO = "'%s' next to '%s' is not supported; %s";
  private static final List<String> TYPES =
      List.of("object", "array", "string", "number", "integer", "boolean", "null");
  private static final Set<String> FORMATS = Set.of("date", "time", "date-time", "uuid");

  /** The largest integer with at most 16 digits. */
  private static final long MAX_INTEGER = 9_999_999_999_999_999L;

  private static final Pattern LOCAL_REF = Pattern.compile("#/(\\$defs|definitions)/([^/]+)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_-]*");
  private static final String LITERALS_AND_CLASSES =
      "\"(\\\\.|[^\"\\\\])*\"|\\[(\\\\.|[^\\]\\\\])*\\]";

  private static final String BUILTIN_TEXT =
      """
      value ::= object | array | string | number | boolean | null
      object ::= "{" ( string ":" ws value ( "," ws string ":" ws value )* )? "}"
      array ::= "[" ( value ( "," ws value )* )? "]"
      string ::= "\\"" char* "\\""
      char ::= [^"\\\\\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} )
      number ::= integer ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?
      integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
      boolean ::= "true" | "false"
      null ::= "null"
      ws ::= [ ]?
      date ::= date-year "-" ( ( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] ) | ( "0" [469] | "11" ) "-" ( "0" [1-9] | [12] [0-9] | "30" ) | "02-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) ) | date-leap-year "-02-29"
      date-year ::= [0-9]{4}
      date-leap-year ::= [0-9]{2} ( "0" [48] | [2468] [048] | [13579] [26] ) | ( [02468] [048] | [13579] [26] ) "00"
      time ::= ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,9} )? ( [Zz] | [-+] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )
      date-time ::= date [Tt] time
      uuid ::= [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12}
      """;

  static {
    List.of("properties", "required", "additionalProperties")
        .forEach(k -> TYPE_OF.put(k, "object"));
    List.of("items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems")
        .forEach(k -> TYPE_OF.put(k, "array"));
    List.of("minLength", "maxLength", "pattern", "format").forEach(k -> TYPE_OF.put(k, "string"));
    List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        .forEach(k -> TYPE_OF.put(k, "number"));
    for (String line : BUILTIN_TEXT.strip().split("\n")) {
      int at = line.indexOf(" ::= ");
      BUILTINS.put(line.substring(0, at), line.substring(at + 5));
    }
  }

  /** JSON's short escapes but {@code \/}, and their letters; at a trie node '/' is spelled raw. */
  private static final String SHORT = "\"\\\b\f\n\r\t";

  private static final String SHORT_LETTERS = "\"\\bfnrt";

  private final JsonNode root;
  private final Map<String, String> rules = new LinkedHashMap<>();
  private final Map<String, String> ruleByBody = new HashMap<>();
  private final Set<String> builtinsUsed = new LinkedHashSet<>();
  private final Map<String, String> refs = new HashMap<>();

  /** The rule of the whole schema, which {@code $ref: "#"} names. */
  private String top = "root";

  private JsonSchemaGrammar(JsonNode root) {
    this.root = root;
  }

  /**
   * A grammar whose root matches the JSON texts that validate against {@code schema}, within the
   * supported keywords; throws {@link GrammarException} naming any other keyword and where it is.
   */
  public static String fromSchema(JsonNode schema) {
    if (schema == null || schema.isMissingNode()) {
      throw new GrammarException("json schema is missing; pass a JSON object (or true)");
    }
    JsonSchemaGrammar g = new JsonSchemaGrammar(schema);
    g.rules.put("root", "");
    g.rules.put("root", g.visit(schema, "", "root"));
    return g.render();
  }

  /**
   * The rules for {@code schema} under the name {@code ruleName}, without a root: for embedding the
   * JSON in a larger grammar (tool calls inside their markers). No generated rule is named root.
   */
  public static String fromSchema(JsonNode schema, String ruleName) {
    if (schema == null || schema.isMissingNode()) {
      throw new GrammarException("json schema is missing; pass a JSON object (or true)");
    }
    JsonSchemaGrammar g = new JsonSchemaGrammar(schema);
    g.top = ruleName;
    g.rules.put("root", "");
    g.rules.put(ruleName, "");
    g.rules.put(ruleName, g.visit(schema, "", ruleName));
    g.rules.remove("root");
    return g.render();
  }

  /** A grammar for any JSON object, nested to any depth ({@code response_format: json_object}). */
  public static String anyJsonObject() {
    JsonSchemaGrammar g = new JsonSchemaGrammar(null);
    g.rules.put("root", g.use("object"));
    return g.render();
  }

  private String render() {
    StringBuilder sb = new StringBuilder();
    rules.forEach((name, body) -> sb.append(name).append(" ::= ").append(body).append('\n'));
    for (String name : builtinsUsed) {
      sb.append(name).append(" ::= ").append(BUILTINS.get(name)).append('\n');
    }
    return sb.toString();
  }

  /** Refers to a built-in rule, pulling in the built-ins it refers to. */
  private String use(String name) {
    if (builtinsUsed.add(name)) {
      Matcher m = IDENTIFIER.matcher(BUILTINS.get(name).replaceAll(LITERALS_AND_CLASSES, ""));
      while (m.find()) {
        if (BUILTINS.containsKey(m.group())) {
          use(m.group());
        }
      }
    }
    return name;
  }

  /** Reserves a fresh rule name built from {@code hint}, for a body written later. */
  private String newName(String hint) {
    String base = hint.replaceAll("[^a-zA-Z0-9-]+", "-");
    String name = base;
    for (int n = 1; rules.containsKey(name) || BUILTINS.containsKey(name); n++) {
      name = base + "-" + n;
    }
    rules.put(name, "");
    return name;
  }

  /** A rule with {@code body}: an earlier one with the same body, else a new one. */
  private String rule(String hint, String body) {
    String name = ruleByBody.get(body);
    if (name == null) {
      name = newName(hint);
      rules.put(name, body);
      ruleByBody.put(body, name);
    }
    return name;
  }

  /** {@code body} as one item: itself when it is a rule name, else a rule. */
  private String item(String hint, String body) {
    return IDENTIFIER.matcher(body).matches() ? body : rule(hint, body);
  }

  /** Throws, naming the place in the schema, when {@code refused}. */
  static void check(boolean refused, String path, String message, Object... args) {
    if (refused) {
      throw fail(path, message, args);
    }
  }

  private static GrammarException fail(String path, String message, Object... args) {
    String where = path.isEmpty() ? "the root" : path;
    return new GrammarException("json schema at " + where + ": " + message.formatted(args));
  }

  private static boolean isFalse(JsonNode schema) {
    return schema != null && schema.isBoolean() && !schema.booleanValue();
  }

  /** A rule body for the values {@code schema} accepts; {@code path} is its JSON pointer. */
  private String visit(JsonNode schema, String path, String hint) {
    check(isFalse(schema), path, "the schema false matches no value; remove it");
    if (schema.isBoolean()) {
      return use("value");
    }
    check(!schema.isObject(), path, "a schema must be an object or a boolean, not %s", schema);
    String combinator = COMBINATORS.stream().filter(schema::has).findFirst().orElse(null);
    boolean literals = "enum".equals(combinator) || "const".equals(combinator);
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      boolean free = ANNOTATIONS.contains(key) || key.equals("nullable");
      boolean known = free || TYPE_OF.containsKey(key) || COMBINATORS.contains(key);
      check(!known && !key.equals("type"), path, "'%s' is not supported; remove it", key);
      boolean beside = combinator != null && !free && !key.equals(combinator);
      String advice = literals ? "list only the allowed values" : "move it into the subschemas";
      check(beside && !(literals && key.equals("type")), path, NEXT_TO, key, combinator, advice);
    }
    JsonNode nullable = schema.path("nullable");
    boolean nullableIsBad = !nullable.isMissingNode() && !nullable.isBoolean();
    check(nullableIsBad, path, "'nullable' must be true or false, not %s", nullable);
    Set<String> alternatives = new LinkedHashSet<>();
    switch (combinator) {
      case "$ref" -> alternatives.add(reference(schema.get("$ref"), path));
      case "anyOf", "oneOf" -> {
        JsonNode branches = nonEmptyArray(schema, combinator, path);
        for (int i = 0; i < branches.size(); i++) {
          if (!isFalse(branches.get(i))) {
            String branchPath = path + "/" + combinator + "/" + i;
            alternatives.add(visit(branches.get(i), branchPath, hint + "-" + i));
          }
        }
      }
      case "allOf" -> {
        JsonNode all = nonEmptyArray(schema, "allOf", path);
        int n = all.size();
        check(n != 1, path, "'allOf' with %d schemas is not supported; merge them", n);
        alternatives.add(visit(all.get(0), path + "/allOf/0", hint));
      }
      case "enum", "const" -> alternatives.addAll(literals(schema, combinator, path));
      case null -> {
        Set<String> types = types(schema, path);
        if (types.isEmpty()) {
          return use("value");
        }
        if (types.contains("number")) {
          types.remove("integer");
        }
        for (String type : types) {
          alternatives.add(typed(type, schema, path, hint));
        }
      }
      default -> throw new IllegalStateException(combinator);
    }
    if (nullable.asBoolean(false)) {
      alternatives.add(use("null"));
    }
    check(alternatives.isEmpty(), path, "no alternative can match; the schema accepts nothing");
    return String.join(" | ", alternatives);
  }

  private String typed(String type, JsonNode schema, String path, String hint) {
    return switch (type) {
      case "string" -> string(schema, path, hint);
      case "integer" -> integer(schema, path);
      case "number" -> {
        for (String key : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
          check(schema.has(key), path, "'%s' is supported on integers only, not numbers", key);
        }
        yield use("number");
      }
      case "object" -> object(schema, path, hint);
      case "array" -> array(schema, path, hint);
      default -> use(type); // boolean, null
    };
  }

  /** The declared types, or those the keywords imply; empty: any value. */
  private static Set<String> types(JsonNode schema, String path) {
    Set<String> types = new LinkedHashSet<>();
    JsonNode type = schema.get("type");
    if (type == null) {
      schema.fieldNames().forEachRemaining(k -> types.add(TYPE_OF.getOrDefault(k, "any")));
      types.remove("any");
      return types;
    }
    Iterable<JsonNode> names = type.isArray() ? type : List.of(type);
    for (JsonNode name : names) {
      boolean known = name.isTextual() && TYPES.contains(name.textValue());
      check(!known, path, "'type' %s is not a JSON type; use one of %s", name, TYPES);
      types.add(name.textValue());
    }
    check(types.isEmpty(), path, "'type' is an empty list; name at least one type");
    return types;
  }

  /** The enum or const values as literals, keeping those of the declared type. */
  private List<String> literals(JsonNode schema, String key, String path) {
    Iterable<JsonNode> values =
        key.equals("enum") ? nonEmptyArray(schema, key, path) : List.of(schema.get(key));
    Set<String> types = schema.has("type") ? types(schema, path) : Set.of();
    boolean nullable = schema.path("nullable").asBoolean(false);
    List<String> out = new ArrayList<>();
    for (JsonNode v : values) {
      if (types.isEmpty() || nullable && v.isNull() || types.stream().anyMatch(t -> is(v, t))) {
        out.add(Gbnf.literal(v.toString()));
      }
    }
    check(out.isEmpty() && !nullable, path, "no value of '%s' has type %s", key, types);
    return out;
  }

  private static boolean is(JsonNode v, String type) {
    return switch (type) {
      case "string" -> v.isTextual();
      case "number" -> v.isNumber();
      case "integer" ->
          v.isIntegralNumber()
              || v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0;
      case "boolean" -> v.isBoolean();
      case "null" -> v.isNull();
      case "object" -> v.isObject();
      default -> v.isArray();
    };
  }

  private String reference(JsonNode ref, String path) {
    check(!ref.isTextual(), path, "'$ref' must be a string, not %s", ref);
    String text = ref.textValue();
    if (text.equals("#")) {
      return top;
    }
    if (refs.containsKey(text)) {
      return refs.get(text);
    }
    Matcher m = LOCAL_REF.matcher(text);
    check(!m.matches(), path, "'$ref' %s is not supported; use '#' or '#/$defs/NAME'", ref);
    String key = m.group(2).replace("~1", "/").replace("~0", "~");
    JsonNode target = root.path(m.group(1)).get(key);
    check(target == null, path, "'$ref' %s names no definition; add it", ref);
    String name = newName("def-" + key);
    refs.put(text, name);
    rules.put(name, visit(target, "/" + m.group(1) + "/" + pointer(key), name));
    return name;
  }

  private String string(JsonNode schema, String path, String hint) {
    boolean length = schema.has("minLength") || schema.has("maxLength");
    String quote = Gbnf.literal("\"");
    if (schema.has("pattern") || schema.has("format")) {
      String key = schema.has("pattern") ? "pattern" : "format";
      String other = length ? "'minLength'/'maxLength'" : "'format'";
      boolean both = length || schema.has("pattern") && schema.has("format");
      check(both, path, "'%s' with %s is not supported; write one 'pattern'", key, other);
      JsonNode value = schema.get(key);
      if (key.equals("format")) {
        check(!FORMATS.contains(value.asText()), path, "'format' %s is not supported", value);
        return quote + " " + use(value.asText()) + " " + quote;
      }
      check(!value.isTextual(), path, "'pattern' must be a string, not %s", value);
      String body;
      try {
        body = RegexGrammar.jsonStringBody(value.textValue());
      } catch (GrammarException e) {
        throw fail(path, "'pattern' is not supported: %s", e.getMessage());
      }
      return quote + " " + rule(hint + "-pattern", body) + " " + quote;
    }
    int min = count(schema, "minLength", path, 0);
    int max = count(schema, "maxLength", path, -1);
    check(max >= 0 && min > max, path, "minLength %d is over maxLength %d", min, max);
    if (min == 0 && max < 0) {
      return use("string");
    }
    return join(quote, RegexGrammar.repeat(use("char"), min, max), quote);
  }

  private String integer(JsonNode schema, String path) {
    BigDecimal lo =
        IntegerRanges.bound(schema, path, "minimum", "exclusiveMinimum", RoundingMode.CEILING);
    BigDecimal hi =
        IntegerRanges.bound(schema, path, "maximum", "exclusiveMaximum", RoundingMode.FLOOR);
    if (lo == null && hi == null) {
      return use("integer");
    }
    BigDecimal limit = BigDecimal.valueOf(MAX_INTEGER);
    lo = lo == null ? limit.negate() : lo.max(limit.negate());
    hi = hi == null ? limit : hi.min(limit);
    check(lo.compareTo(hi) > 0, path, "no integer of at most 16 digits is within the bounds");
    return IntegerRanges.gbnf(lo.longValueExact(), hi.longValueExact());
  }

  private String object(JsonNode schema, String path, String hint) {
    JsonNode properties = schema.path("properties");
    boolean bad = !properties.isMissingNode() && !properties.isObject();
    check(bad, path, "'properties' must be an object, not %s", properties);
    Set<String> required = new LinkedHashSet<>();
    for (JsonNode name : schema.path("required")) {
      check(!name.isTextual(), path, "'required' must list property names, not %s", name);
      required.add(name.textValue());
    }
    JsonNode additional = schema.get("additionalProperties");
    String extraValue = null;
    if (additional == null) {
      extraValue = use("value");
    } else if (!isFalse(additional)) {
      String extraHint = hint + "-additional";
      extraValue = item(extraHint, visit(additional, path + "/additionalProperties", extraHint));
    }
    List<String> names = new ArrayList<>(); // every declared name, which extra names are not
    List<String> members = new ArrayList<>();
    List<Boolean> mandatory = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      String propertyPath = path + "/properties/" + pointer(name);
      names.add(name);
      if (isFalse(e.getValue())) { // may not appear at all
        check(required.contains(name), propertyPath, "'%s' is required but false", name);
        continue;
      }
      String value = item(hint + "-" + name, visit(e.getValue(), propertyPath, hint + "-" + name));
      members.add(key(name) + " ws " + value);
      mandatory.add(required.contains(name));
    }
    for (String name : required) {
      if (!properties.has(name)) {
        String why = "required '%s' is not in 'properties' and 'additionalProperties' is false";
        check(extraValue == null, path, why, name);
        names.add(name);
        members.add(key(name) + " ws " + extraValue);
        mandatory.add(true);
      }
    }
    use("ws");
    String extra = extraValue == null ? null : extraKey(names, hint) + " \":\" ws " + extraValue;
    // rest: the members from i on when one came before, so each starts with a comma;
    // first: the members from i on when none came before
    String rest = extra == null ? "" : "( \",\" ws " + extra + " )*";
    String first = extra == null ? "" : "( " + join(extra, rest) + " )?";
    for (int i = members.size() - 1; i >= 0; i--) {
      String member = members.get(i);
      if (mandatory.get(i)) {
        first = join(member, rest);
        rest = join("\",\" ws " + member, rest);
      } else {
        String after = rest.isEmpty() ? "" : item(hint + "-after-" + i, rest);
        String present = join(member, after);
        first = first.isEmpty() ? "( " + present + " )?" : "( " + present + " | " + first + " )";
        rest = join("( \",\" ws " + member + " )?", after);
      }
    }
    return join("\"{\"", first, "\"}\"");
  }

  /** A quoted property name and the colon, as a literal. */
  private static String key(String name) {
    return Gbnf.literal(TextNode.valueOf(name).toString() + ":");
  }

  /** An additional property's quoted name: any string but the declared names. */
  private String extraKey(List<String> names, String hint) {
    if (names.isEmpty()) {
      return use("string");
    }
    use("char");
    return Gbnf.literal("\"") + " " + keyRule(new TreeSet<>(names), hint + "-extra-key");
  }

  /**
   * The rest of a name after a prefix that {@code names} (with that prefix cut off) continue, with
   * the closing quote. Along declared names each character has one spelling (raw, else its short
   * escape), so no other spelling can reach one; once off them any spelling goes.
   */
  private String keyRule(SortedSet<String> names, String hint) {
    List<String> alternatives = new ArrayList<>();
    CodePoints edges = CodePoints.NONE;
    while (!names.isEmpty() && !names.getLast().isEmpty()) {
      int c = names.getLast().codePointAt(0);
      String first = Character.toString(c);
      SortedSet<String> next = new TreeSet<>();
      for (String n : names) {
        if (n.startsWith(first)) {
          next.add(n.substring(first.length()));
        }
      }
      names.removeIf(n -> n.startsWith(first));
      edges = edges.union(c);
      int escape = SHORT.indexOf(c);
      if (RegexGrammar.JSON_RAW.contains(c) || escape >= 0) {
        String spelling = escape >= 0 ? "\\" + SHORT_LETTERS.charAt(escape) : first;
        alternatives.add(Gbnf.literal(spelling) + " " + keyRule(next, hint));
      }
    }
    StringBuilder letters = new StringBuilder();
    for (int i = 0; i < SHORT.length(); i++) {
      if (!edges.contains(SHORT.charAt(i))) {
        letters.append(SHORT_LETTERS.charAt(i));
      }
    }
    String other = RegexGrammar.JSON_RAW.minus(edges).gbnf();
    if (!letters.isEmpty()) {
      String escapes = CodePoints.of(letters.chars().toArray()).gbnf();
      other = "( " + other + " | \"\\\\\" " + escapes + " )";
    }
    alternatives.add(other + " char* " + Gbnf.literal("\""));
    if (!names.contains("")) {
      alternatives.add(Gbnf.literal("\""));
    }
    return rule(hint, String.join(" | ", alternatives));
  }

  private String array(JsonNode schema, String path, String hint) {
    JsonNode items = schema.get("items");
    JsonNode prefix = schema.path("prefixItems");
    String prefixPath = path + "/prefixItems/";
    JsonNode restSchema = items;
    String restPath = path + "/items";
    boolean bad =
        !prefix.isMissingNode() && (!prefix.isArray() || items != null && items.isArray());
    check(bad, path, "'prefixItems' must be an array, next to an 'items' schema if any");
    if (prefix.isMissingNode() && items != null && items.isArray()) {
      prefix = items; // the draft-07 tuple form
      prefixPath = path + "/items/";
      restSchema = schema.get("additionalItems");
      restPath = path + "/additionalItems";
    }
    JsonNode unique = schema.path("uniqueItems");
    check(!unique.isMissingNode() && !isFalse(unique), path, "'uniqueItems' is not supported");
    List<String> elements = new ArrayList<>();
    for (int i = 0; i < prefix.size(); i++) {
      if (isFalse(prefix.get(i))) {
        restSchema = prefix.get(i); // no element i, so none after it either
        break;
      }
      String elementHint = hint + "-item-" + i;
      elements.add(item(elementHint, visit(prefix.get(i), prefixPath + i, elementHint)));
    }
    String rest = null;
    if (restSchema == null) {
      rest = use("value");
    } else if (!isFalse(restSchema)) {
      rest = item(hint + "-item", visit(restSchema, restPath, hint + "-item"));
    }
    int k = elements.size();
    int min = count(schema, "minItems", path, 0);
    int max = count(schema, "maxItems", path, -1);
    if (rest == null) {
      max = max < 0 ? k : Math.min(max, k);
    }
    check(max >= 0 && min > max, path, "no array has at least %d and at most %d items", min, max);
    use("ws");
    String more = "( \",\" ws " + rest + " )";
    String body;
    if (max == 0) {
      body = "";
    } else if (k == 0) {
      body = join(rest, RegexGrammar.repeat(more, Math.max(min - 1, 0), Math.max(max - 1, -1)));
      body = min == 0 ? "( " + body + " )?" : body;
    } else {
      boolean tail = max < 0 || max > k;
      body = tail ? RegexGrammar.repeat(more, Math.max(min - k, 0), max < 0 ? -1 : max - k) : "";
      for (int i = (tail ? k : max) - 1; i >= 0; i--) {
        body = join(i == 0 ? "" : "\",\" ws", elements.get(i), body);
        body = i >= min ? "( " + body + " )?" : body;
      }
    }
    return join("\"[\"", body, "\"]\"");
  }

  private static JsonNode nonEmptyArray(JsonNode schema, String key, String path) {
    JsonNode v = schema.get(key);
    check(!v.isArray() || v.isEmpty(), path, "'%s' must be a non-empty array, not %s", key, v);
    return v;
  }

  private static int count(JsonNode schema, String key, String path, int absent) {
    JsonNode v = schema.get(key);
    if (v == null) {
      return absent;
    }
    boolean bad = !is(v, "integer") || v.decimalValue().signum() < 0 || !v.canConvertToInt();
    check(bad, path, "'%s' must be a non-negative integer, not %s", key, v);
    return v.intValue();
  }

  static String join(String... parts) {
    return String.join(" ", Stream.of(parts).filter(p -> !p.isEmpty()).toList());
  }

  private static String pointer(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }
}
