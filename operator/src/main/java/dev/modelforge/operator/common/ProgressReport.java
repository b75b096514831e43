package dev.modelforge.operator.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.Optional;

/**
 * What a workload pod last reported. The pod keeps one writer per status by writing its progress
 * file into a ConfigMap instead of the custom resource:
 *
 * <ul>
 *   <li>name {@code <resource>-<kind>-progress} ({@link #configMapName}), in the resource's
 *       namespace: one per owner and kind, so a FineTuningJob and the Model it outputs, which share
 *       a name, never overwrite each other's report;
 *   <li>label {@value #KIND_LABEL} = {@code fetch} or {@code train};
 *   <li>owned by the Job, so it goes away with it;
 *   <li>key {@value #DATA_KEY}: the progress file's JSON, verbatim.
 * </ul>
 *
 * The operator hands all of these to the pod in environment variables (see {@link ProgressEnv}), so
 * the reporter needs no conventions of its own.
 */
public final class ProgressReport {
  public static final String KIND_LABEL = "modelforge.dev/progress";
  public static final String DATA_KEY = "progress.json";
  public static final String SUFFIX = "-progress";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ProgressReport NONE = new ProgressReport(MissingNode.getInstance());

  private final JsonNode root;

  private ProgressReport(JsonNode root) {
    this.root = root;
  }

  public static String configMapName(String resourceName, String kind) {
    return resourceName + "-" + kind + SUFFIX;
  }

  public static ProgressReport none() {
    return NONE;
  }

  /** An unreadable report counts as none: the next write of the pod replaces it. */
  public static ProgressReport from(Optional<ConfigMap> configMap) {
    return configMap
        .map(ConfigMap::getData)
        .map(data -> data.get(DATA_KEY))
        .map(ProgressReport::parse)
        .orElse(NONE);
  }

  static ProgressReport parse(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      return node == null || !node.isObject() ? NONE : new ProgressReport(node);
    } catch (JsonProcessingException e) {
      return NONE;
    }
  }

  public boolean isPresent() {
    return !root.isMissingNode();
  }

  public JsonNode root() {
    return root;
  }

  public Optional<Long> longValue(String field) {
    JsonNode node = root.path(field);
    return node.isNumber() ? Optional.of(node.asLong()) : Optional.empty();
  }

  public Optional<Double> doubleValue(String field) {
    JsonNode node = root.path(field);
    return node.isNumber() ? Optional.of(node.asDouble()) : Optional.empty();
  }

  public Optional<String> text(String field) {
    JsonNode node = root.path(field);
    return node.isTextual() && !node.asText().isBlank()
        ? Optional.of(node.asText())
        : Optional.empty();
  }
}
