package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.LinkedHashMap;
import java.util.Map;

/** The app.kubernetes.io/* labels every object ModelForge creates carries. */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** Set on a Model a FineTuningJob produced: the job's name. */
  public static final String PRODUCED_BY_JOB = "modelforge.dev/finetuningjob";

  public static final String MANAGER = "modelforge-operator";

  private Labels() {}

  /**
   * Labels of an object created for {@code owner}; {@code component} is what the object does
   * (weights, fetch, train, serve). Also the selector of serving pods, so it must stay stable.
   */
  public static Map<String, String> of(HasMetadata owner, String component) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME, owner.getKind().toLowerCase());
    labels.put(INSTANCE, owner.getMetadata().getName());
    labels.put(COMPONENT, component);
    labels.put(PART_OF, "modelforge");
    labels.put(MANAGED_BY, MANAGER);
    return labels;
  }

  /** The subset of {@link #of} that selects pods: never includes values that may change. */
  public static Map<String, String> selector(HasMetadata owner, String component) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(NAME, owner.getKind().toLowerCase());
    labels.put(INSTANCE, owner.getMetadata().getName());
    labels.put(COMPONENT, component);
    return labels;
  }
}
