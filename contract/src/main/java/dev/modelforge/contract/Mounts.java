package dev.modelforge.contract;

/**
 * The paths inside a runtime pod that the operator mounts and the runtime reads: one home for each,
 * so a pod spec and the command it runs cannot drift apart.
 */
public final class Mounts {

  /** Each Model's weights volume is mounted at {@code /models/<model name>}. */
  public static final String MODELS = "/models";

  /** A FineTuningJob's output volume; the trained model goes to {@link #TRAINED_MODEL}. */
  public static final String OUTPUT = "/output";

  /** The folder of the output volume the trained model goes to; a Model fetches it from there. */
  public static final String TRAINED_MODEL_DIR = "model";

  /** Where the trainer writes the model (and its checkpoints beside it). */
  public static final String TRAINED_MODEL = OUTPUT + "/" + TRAINED_MODEL_DIR;

  /** The training configuration (a ConfigMap), mounted read-only. */
  public static final String TRAINING_CONFIG_DIR = "/etc/modelforge/train";

  public static final String TRAINING_CONFIG_KEY = "config.json";
  public static final String TRAINING_CONFIG = TRAINING_CONFIG_DIR + "/" + TRAINING_CONFIG_KEY;

  /**
   * pvc:// and configmap:// sources are mounted read-only at {@code <root>/<scheme>/<name>}; the
   * operator tells the pod the root in {@link RuntimeEnv#SOURCE_ROOT}, and this is the default.
   */
  public static final String SOURCES = "/mnt/sources";

  /** An emptyDir for the progress file: the root filesystem is read-only. */
  public static final String PROGRESS_DIR = "/var/run/modelforge";

  public static final String PROGRESS_FILE = PROGRESS_DIR + "/progress.json";

  /** An emptyDir for temporary files. */
  public static final String TMP = "/tmp";

  private Mounts() {}

  /** Where the Model named {@code name} is mounted. */
  public static String model(String name) {
    return MODELS + "/" + name;
  }
}
