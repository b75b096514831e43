package dev.modelforge.contract;

/**
 * The environment variables the operator sets in a runtime pod and the runtime reads. Secrets
 * travel this way, never as arguments, so they stay out of logs and {@code ps}.
 */
public final class RuntimeEnv {

  /** Where the pod writes its progress report ({@link Mounts#PROGRESS_FILE}). */
  public static final String PROGRESS_FILE = "MODELFORGE_PROGRESS_FILE";

  /** The ConfigMap the pod publishes its progress report to. */
  public static final String PROGRESS_CONFIGMAP = "MODELFORGE_PROGRESS_CONFIGMAP";

  /** The label ({@code key=value}) the progress ConfigMap carries. */
  public static final String PROGRESS_LABEL = "MODELFORGE_PROGRESS_LABEL";

  /** The Job the pod belongs to: the progress ConfigMap is owned by it. */
  public static final String JOB_NAME = "MODELFORGE_JOB_NAME";

  /** The pod's namespace (from the downward API). */
  public static final String NAMESPACE = "POD_NAMESPACE";

  /** The root under which pvc:// and configmap:// sources are mounted ({@link Mounts#SOURCES}). */
  public static final String SOURCE_ROOT = "MODELFORGE_SOURCE_ROOT";

  /**
   * The bearer key the server requires on /v1 (from a Secret); Quarkus reads it as {@code
   * modelforge.serve.api-key}.
   */
  public static final String SERVE_API_KEY = "MODELFORGE_SERVE_API_KEY";

  private RuntimeEnv() {}
}
