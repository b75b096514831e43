package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;

/** Environment that tells a workload pod where and how to report its progress. */
public final class ProgressEnv {
  /** An emptyDir: the root filesystem is read-only. */
  public static final String DIR = "/var/run/modelforge";

  public static final String FILE = DIR + "/progress.json";

  private ProgressEnv() {}

  public static List<EnvVar> forJob(String resourceName, String jobName, String kind) {
    return List.of(
        env("MODELFORGE_PROGRESS_FILE", FILE),
        env("MODELFORGE_PROGRESS_CONFIGMAP", ProgressReport.configMapName(resourceName, kind)),
        env("MODELFORGE_PROGRESS_LABEL", ProgressReport.KIND_LABEL + "=" + kind),
        env("MODELFORGE_JOB_NAME", jobName),
        new EnvVarBuilder()
            .withName("POD_NAMESPACE")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.namespace")
            .endFieldRef()
            .endValueFrom()
            .build());
  }

  public static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
