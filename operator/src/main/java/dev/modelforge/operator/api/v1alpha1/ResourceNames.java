package dev.modelforge.operator.api.v1alpha1;

/**
 * How long a resource's name may be, and its grammar, so that every object the operator derives
 * from it is valid: a Job's name is also its pods' {@code batch.kubernetes.io/job-name} label value
 * (63 characters at most), and an InferenceService's name is its Service's name (an RFC 1035 label:
 * a letter first, no dots). The schema checks them (CEL rules on {@code metadata.name}), so a name
 * that could not work is refused at {@code kubectl apply}.
 */
public final class ResourceNames {
  /** A label value's limit, which the derived Job names and the instance label must respect. */
  public static final int LABEL_MAX = 63;

  /**
   * The {@code <model>-fetch} Job (its pods' job-name label) and the serving pods' {@code
   * model-<model>} volume; a Model is also a training output.
   */
  public static final int MODEL_MAX = LABEL_MAX - 6; // "-fetch", "model-"

  /** {@code <job>-train} and {@code <job>-train-config}. */
  public static final int FINE_TUNING_JOB_MAX = LABEL_MAX - 6; // "-train"

  /** The Service carries the InferenceService's own name. */
  public static final int INFERENCE_SERVICE_MAX = LABEL_MAX;

  /** An RFC 1123 label: what a Model reference must match. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** An RFC 1035 label: what a Service name must match. */
  public static final String DNS_1035_LABEL = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  static final String MODEL_RULE = "self.metadata.name.size() <= " + MODEL_MAX;
  static final String MODEL_MESSAGE =
      "a Model's name may have at most "
          + MODEL_MAX
          + " characters (its Job and volume add a suffix)";
  static final String FINE_TUNING_JOB_RULE = "self.metadata.name.size() <= " + FINE_TUNING_JOB_MAX;
  static final String FINE_TUNING_JOB_MESSAGE =
      "a FineTuningJob's name may have at most "
          + FINE_TUNING_JOB_MAX
          + " characters (its training Job adds a suffix)";
  static final String INFERENCE_SERVICE_RULE =
      "self.metadata.name.size() <= "
          + INFERENCE_SERVICE_MAX
          + " && self.metadata.name.matches('"
          + DNS_1035_LABEL
          + "')";
  static final String INFERENCE_SERVICE_MESSAGE =
      "an InferenceService's name is its Service's name: at most "
          + INFERENCE_SERVICE_MAX
          + " characters, a lower-case letter first, then letters, digits and '-' (no dots)";

  private ResourceNames() {}
}
