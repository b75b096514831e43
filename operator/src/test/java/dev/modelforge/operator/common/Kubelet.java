package dev.modelforge.operator.common;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Duration;

/**
 * Plays the kubelet's and the workload pods' parts against the in-process API server, which runs no
 * pods: it writes Job and Deployment status and the pods' progress reports.
 */
public final class Kubelet {
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final String namespace;

  public Kubelet(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  public <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(namespace).withName(name).get();
  }

  public <T extends HasMetadata> T awaitExists(Class<T> type, String name) {
    return await().atMost(TIMEOUT).until(() -> get(type, name), r -> r != null);
  }

  public void startJob(String name) {
    Job job = awaitExists(Job.class, name);
    job.setStatus(new JobStatusBuilder().withActive(1).build());
    client.resource(job).updateStatus();
  }

  public void completeJob(String name) {
    Job job = awaitExists(Job.class, name);
    job.setStatus(
        new JobStatusBuilder()
            .withSucceeded(1)
            .withConditions(
                new JobConditionBuilder().withType("Complete").withStatus("True").build())
            .build());
    client.resource(job).updateStatus();
  }

  public void failJob(String name) {
    Job job = awaitExists(Job.class, name);
    job.setStatus(
        new JobStatusBuilder()
            .withFailed(4)
            .withConditions(
                new JobConditionBuilder()
                    .withType("Failed")
                    .withStatus("True")
                    .withReason("BackoffLimitExceeded")
                    .withMessage("Job has reached the specified backoff limit")
                    .build())
            .build());
    client.resource(job).updateStatus();
  }

  /** What the pod's reporter does: the progress file, verbatim, into the owned ConfigMap. */
  public void report(String jobName, String resourceName, String kind, String json) {
    Job job = awaitExists(Job.class, jobName);
    var configMap =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(ProgressReport.configMapName(resourceName))
            .withNamespace(namespace)
            .addToLabels(ProgressReport.KIND_LABEL, kind)
            .addNewOwnerReference()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(jobName)
            .withUid(job.getMetadata().getUid())
            .endOwnerReference()
            .endMetadata()
            .addToData(ProgressReport.DATA_KEY, json)
            .build();
    client.resource(configMap).createOr(NonDeletingOperation::update);
  }

  public void rollOut(String deploymentName, int replicas, int ready) {
    Deployment deployment = awaitExists(Deployment.class, deploymentName);
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .withReplicas(replicas)
            .withUpdatedReplicas(replicas)
            .withReadyReplicas(ready)
            .withAvailableReplicas(ready)
            .build());
    client.resource(deployment).updateStatus();
  }
}
