package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a request body into its endpoint's record, strictly: a field the record does not name is
 * refused with a 400 naming it, and a value of the wrong JSON type is refused rather than coerced
 * ({@code "stream": "yes"}, {@code "n": 1.5}, {@code "model": 5}).
 */
final class ApiRequests {

  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          // a number or boolean where a string belongs is refused too
          .withCoercionConfig(
              LogicalType.Textual,
              c ->
                  c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .build();

  private ApiRequests() {}

  static <T> T read(JsonNode body, Class<T> type) {
    try {
      return STRICT.treeToValue(body, type);
    } catch (UnrecognizedPropertyException e) {
      String field = path(e.getPath());
      throw ApiException.badRequest(
          "'" + field + "' is not supported by this server (see docs/openai-api.md)",
          topLevel(e.getPath(), field));
    } catch (MismatchedInputException e) {
      String field = path(e.getPath());
      throw ApiException.badRequest(
          "'"
              + field
              + "' must be "
              + expected(e.getTargetType())
              + ", got "
              + valueAt(body, e.getPath()),
          topLevel(e.getPath(), field));
    } catch (JsonMappingException e) {
      String field = path(e.getPath());
      throw ApiException.badRequest(
          "'" + field + "': " + e.getOriginalMessage(), topLevel(e.getPath(), field));
    } catch (StreamReadException e) {
      // a number out of its type's range: the parser knows which field it was reading
      String field = e.getProcessor() instanceof JsonParser p ? currentName(p) : null;
      throw ApiException.badRequest(
          (field == null ? "" : "'" + field + "': ") + e.getOriginalMessage(), field);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(e.getOriginalMessage(), null);
    }
  }

  private static String currentName(JsonParser p) {
    try {
      return p.currentName();
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String path(List<JsonMappingException.Reference> path) {
    return path.stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String topLevel(List<JsonMappingException.Reference> path, String whole) {
    return path.isEmpty() || path.getFirst().getFieldName() == null
        ? whole
        : path.getFirst().getFieldName();
  }

  private static JsonNode valueAt(JsonNode body, List<JsonMappingException.Reference> path) {
    JsonNode v = body;
    for (JsonMappingException.Reference r : path) {
      v = r.getFieldName() != null ? v.path(r.getFieldName()) : v.path(r.getIndex());
    }
    return v;
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == Integer.class || type == int.class) {
      return "an integer";
    }
    if (type == Long.class || type == long.class) {
      return "a 64-bit integer";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "an object";
  }
}
