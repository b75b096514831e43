package dev.modelforge.local;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.modelforge.local.ResourceType.PrinterColumn;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders what the store returns for a {@code GET} as the {@code meta.k8s.io/v1} Table that {@code
 * kubectl get} asks for, with a Name column followed by the kind's printer columns (for a CRD, its
 * {@code additionalPrinterColumns}), so custom resources print with their phase.
 */
final class ResourceTables {

  private static final String TABLE_MEDIA_PARAMETER = "as=Table";

  /** One step of the simple JSONPath CRDs use: {@code .field} or {@code [index]}. */
  private static final Pattern PATH_STEP = Pattern.compile("\\.([\\w-]+)|\\[(\\d+)]");

  private final ObjectMapper json;
  private final Clock clock;

  ResourceTables(ObjectMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
  }

  /** Whether a request's {@code Accept} header asks for a Table. */
  static boolean requested(String accept) {
    return accept != null && accept.contains(TABLE_MEDIA_PARAMETER);
  }

  /**
   * The Table for a store body: a list (one row per item) or a single object (one row).
   *
   * @param body the JSON the store answered with
   * @param columns the printer columns after Name
   */
  String render(String body, List<PrinterColumn> columns) throws JsonProcessingException {
    JsonNode source = json.readTree(body);
    ObjectNode table = json.createObjectNode();
    table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    metadata.set("resourceVersion", source.at("/metadata/resourceVersion"));

    ArrayNode definitions = table.putArray("columnDefinitions");
    definitions
        .addObject()
        .put("name", "Name")
        .put("type", "string")
        .put("format", "name")
        .put("description", "Name must be unique within a namespace.")
        .put("priority", 0);
    for (PrinterColumn column : columns) {
      definitions
          .addObject()
          .put("name", column.name())
          .put("type", column.type())
          .put("format", column.format())
          .put("description", column.description())
          .put("priority", column.priority());
    }

    ArrayNode rows = table.putArray("rows");
    if (source.has("items")) {
      source.get("items").forEach(item -> rows.add(row(item, columns)));
    } else {
      rows.add(row(source, columns));
    }
    return json.writeValueAsString(table);
  }

  private ObjectNode row(JsonNode object, List<PrinterColumn> columns) {
    ObjectNode row = json.createObjectNode();
    ArrayNode cells = row.putArray("cells");
    cells.add(object.at("/metadata/name"));
    for (PrinterColumn column : columns) {
      cells.add(cell(object, column));
    }
    // kubectl reads namespaces (for -A) and labels (for --show-labels) from here
    ObjectNode partial = row.putObject("object");
    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", object.get("metadata"));
    return row;
  }

  private JsonNode cell(JsonNode object, PrinterColumn column) {
    JsonNode value = pointer(column.jsonPath()).map(object::at).orElse(NullNode.getInstance());
    if (value.isMissingNode() || value.isNull()) {
      return NullNode.getInstance();
    }
    if (column.type().equals("date") && value.isTextual()) {
      try {
        Instant at = Instant.parse(value.asText());
        return TextNode.valueOf(humanAge(Duration.between(at, clock.instant())));
      } catch (DateTimeParseException e) {
        return TextNode.valueOf("<invalid>");
      }
    }
    return value;
  }

  /**
   * The JSON pointer for a printer column's JSONPath, if it is a plain chain of fields and indexes
   * (what CRDs use in practice); empty for filters and wildcards, whose cells stay blank.
   */
  static Optional<JsonPointer> pointer(String jsonPath) {
    String path = jsonPath.strip();
    if (path.startsWith("{") && path.endsWith("}")) {
      path = path.substring(1, path.length() - 1);
    }
    if (path.startsWith("$")) {
      path = path.substring(1);
    }
    StringBuilder pointer = new StringBuilder();
    Matcher step = PATH_STEP.matcher(path);
    int end = 0;
    while (step.find() && step.start() == end) {
      String token = step.group(1) != null ? step.group(1) : step.group(2);
      pointer.append('/').append(token.replace("~", "~0").replace("/", "~1"));
      end = step.end();
    }
    if (end != path.length() || path.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(JsonPointer.compile(pointer.toString()));
  }

  /**
   * An age as kubectl prints it: two units while the larger one is small ({@code 4m10s}, {@code
   * 3h5m}, {@code 2d4h}), one unit after that ({@code 25m}, {@code 20h}, {@code 45d}).
   */
  static String humanAge(Duration age) {
    long seconds = age.toSeconds();
    if (seconds < -1) {
      return "<invalid>";
    }
    if (seconds < 0) {
      return "0s";
    }
    long minutes = age.toMinutes();
    long hours = age.toHours();
    long days = age.toDays();
    if (seconds < 120) {
      return seconds + "s";
    }
    if (minutes < 10) {
      return withRemainder(minutes, "m", seconds % 60, "s");
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    if (hours < 8) {
      return withRemainder(hours, "h", minutes % 60, "m");
    }
    if (hours < 48) {
      return hours + "h";
    }
    if (hours < 24 * 8) {
      return withRemainder(days, "d", hours % 24, "h");
    }
    if (days < 365 * 2) {
      return days + "d";
    }
    if (days < 365 * 8) {
      return withRemainder(days / 365, "y", days % 365, "d");
    }
    return days / 365 + "y";
  }

  private static String withRemainder(long value, String unit, long remainder, String smallUnit) {
    return remainder == 0 ? value + unit : value + unit + remainder + smallUnit;
  }
}
