package dev.modelforge.operator.common;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.contract.progress.ProgressReports;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;

/** Environment that tells a workload pod where and how to report its progress. */
public final class ProgressEnv {
  private ProgressEnv() {}

  public static List<EnvVar> forJob(String resourceName, String jobName, String kind) {
    return List.of(
        env(RuntimeEnv.PROGRESS_FILE, Mounts.PROGRESS_FILE),
        env(RuntimeEnv.PROGRESS_CONFIGMAP, ProgressReports.configMapName(resourceName, kind)),
        env(RuntimeEnv.PROGRESS_LABEL, ProgressReports.KIND_LABEL + "=" + kind),
        env(RuntimeEnv.JOB_NAME, jobName),
        new EnvVarBuilder()
            .withName(RuntimeEnv.NAMESPACE)
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
