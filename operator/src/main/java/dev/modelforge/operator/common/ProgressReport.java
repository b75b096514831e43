package dev.modelforge.operator.common;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.contract.progress.ProgressReports;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.Optional;

/**
 * What a workload pod last reported, as its progress ConfigMap holds it (the transport and the
 * report types are the contract's: {@link ProgressReports}). The pod keeps one writer per status by
 * writing its report into a ConfigMap instead of the custom resource; the operator hands it the
 * ConfigMap's name and label in environment variables (see {@link ProgressEnv}), and the ConfigMap
 * is owned by the Job, so it goes away with it.
 */
public final class ProgressReport {

  private static final ProgressReport NONE = new ProgressReport(null);

  private final String json;

  private ProgressReport(String json) {
    this.json = json;
  }

  public static ProgressReport none() {
    return NONE;
  }

  /** An unreadable report counts as none: the next write of the pod replaces it. */
  public static ProgressReport from(Optional<ConfigMap> configMap) {
    return configMap
        .map(ConfigMap::getData)
        .map(data -> data.get(ProgressReports.DATA_KEY))
        .filter(json -> ProgressReports.read(json, ObjectNode.class).isPresent())
        .map(ProgressReport::new)
        .orElse(NONE);
  }

  public boolean isPresent() {
    return json != null;
  }

  /**
   * The report read as {@code type} ({@code FetchReport}, {@code TrainingReport}), if it is one.
   */
  public <T> Optional<T> as(Class<T> type) {
    return ProgressReports.read(json, type);
  }
}
