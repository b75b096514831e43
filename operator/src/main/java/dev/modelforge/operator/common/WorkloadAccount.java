package dev.modelforge.operator.common;

import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * The ServiceAccount the fetch and training pods run as (modelforge.runtime.service-account). Where
 * it is missing the Job controller cannot create the pod and says so only in an Event on the Job,
 * so the owner would wait in Pending with no word why: status names it instead.
 */
public final class WorkloadAccount {
  static final ConditionReason REASON = ConditionReason.ServiceAccountMissing;

  private WorkloadAccount() {}

  /** The conditions of an owner whose pod waits for the account: Ready false, Degraded true. */
  public static void waiting(Conditions conditions, String why) {
    conditions
        .set(Condition.READY, false, REASON, why)
        .set(Condition.PROGRESSING, true, REASON, why)
        .set(Condition.DEGRADED, true, REASON, why);
  }

  /**
   * Why the Job's pod cannot start for want of the ServiceAccount; empty when it exists, when the
   * Job is not waiting for its pod, or when the operator may not read ServiceAccounts.
   */
  public static Optional<String> missing(
      KubernetesClient client, ModelForgeConfig config, String namespace, Optional<Job> job) {
    if (JobState.of(job).phase() != JobState.Phase.PENDING) {
      return Optional.empty();
    }
    String name = config.runtime().serviceAccount();
    try {
      if (client.resources(ServiceAccount.class).inNamespace(namespace).withName(name).get()
          != null) {
        return Optional.empty();
      }
    } catch (KubernetesClientException e) {
      return Optional.empty(); // cannot tell; the Job's Events still say it
    }
    return Optional.of(
        "ServiceAccount "
            + namespace
            + "/"
            + name
            + " does not exist, so Job "
            + job.get().getMetadata().getName()
            + " cannot create its pod: create it (config/samples/workload-serviceaccount.yaml,"
            + " or list the namespace in the Helm chart's workloadNamespaces)");
  }
}
