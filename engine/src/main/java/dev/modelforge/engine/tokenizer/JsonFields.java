package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/**
 * Reads the fields of tokenizer.json nodes, failing with the JSON path of what is missing or
 * malformed so that the error points into the file.
 */
final class JsonFields {

  private JsonFields() {}

  static String text(JsonNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new TokenizerException(path + "." + field + " must be a string" + butWas(value));
    }
    return value.asText();
  }

  static String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  static boolean flag(JsonNode node, String field, boolean absent, String path) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.isBoolean()) {
      throw new TokenizerException(path + "." + field + " must be true or false" + butWas(value));
    }
    return value.asBoolean();
  }

  static int integer(JsonNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
      throw new TokenizerException(path + "." + field + " must be an integer" + butWas(value));
    }
    return value.asInt();
  }

  static JsonNode array(JsonNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw new TokenizerException(path + "." + field + " must be an array" + butWas(value));
    }
    return value;
  }

  static JsonNode object(JsonNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || !value.isObject()) {
      throw new TokenizerException(path + "." + field + " must be an object" + butWas(value));
    }
    return value;
  }

  /** A {"String": literal} or {"Regex": oniguruma} pattern. */
  static Pattern pattern(JsonNode node, String path) {
    if (node != null && node.get("String") != null && node.get("String").isTextual()) {
      return Pattern.compile(Pattern.quote(node.get("String").asText()));
    }
    if (node != null && node.get("Regex") != null && node.get("Regex").isTextual()) {
      try {
        return TokenizerRegex.compile(node.get("Regex").asText());
      } catch (TokenizerException e) {
        throw new TokenizerException(path + ": " + e.getMessage(), e);
      }
    }
    throw new TokenizerException(
        path + " must be {\"String\": ...} or {\"Regex\": ...}" + butWas(node));
  }

  static TokenizerException unsupported(String path, String type, String supported) {
    return new TokenizerException(
        path
            + " has type \""
            + type
            + "\", which ModelForge does not support (supported: "
            + supported
            + ")");
  }

  private static String butWas(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return " but is missing";
    }
    String shown = value.toString();
    return " but is " + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown);
  }
}
