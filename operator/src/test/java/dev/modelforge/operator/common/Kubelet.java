package dev.modelforge.operator.common;

import static org.awaitility.Awaitility.await;

import dev.modelforge.contract.progress.ProgressReports;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Plays the Job and Deployment controllers' and the workload pods' parts against the real API
 * server of the tests, which runs no controllers and no pods: it writes Job and Deployment status
 * as those controllers do, and the pods' progress reports.
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
    job.setStatus(new JobStatusBuilder().withStartTime(now()).withActive(1).withReady(1).build());
    client.resource(job).updateStatus();
  }

  /** What the Job controller writes on success; the API server refuses a Complete without it. */
  public void completeJob(String name) {
    Job job = awaitExists(Job.class, name);
    job.setStatus(succeeded(startTime(job)));
    client.resource(job).updateStatus();
  }

  public void failJob(String name) {
    Job job = awaitExists(Job.class, name);
    job.setStatus(
        failed(
            startTime(job), "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
    client.resource(job).updateStatus();
  }

  /** The Job controller sets startTime once; the API server refuses to change it. */
  private static String startTime(Job job) {
    return job.getStatus() != null && job.getStatus().getStartTime() != null
        ? job.getStatus().getStartTime()
        : now();
  }

  public static JobStatus succeeded(String startTime) {
    String now = now();
    return new JobStatusBuilder()
        .withStartTime(startTime)
        .withCompletionTime(now)
        .withSucceeded(1)
        .withActive(0)
        .withReady(0)
        .withConditions(
            condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods"),
            condition(
                "Complete", "CompletionsReached", "Reached expected number of succeeded pods"))
        .build();
  }

  public static JobStatus failed(String startTime, String reason, String message) {
    return new JobStatusBuilder()
        .withStartTime(startTime)
        .withFailed(4)
        .withActive(0)
        .withReady(0)
        .withConditions(
            condition("FailureTarget", reason, message), condition("Failed", reason, message))
        .build();
  }

  private static JobCondition condition(String type, String reason, String message) {
    String now = now();
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** What the pod's reporter does: the progress file, verbatim, into the owned ConfigMap. */
  public void report(String jobName, String resourceName, String kind, String json) {
    Job job = awaitExists(Job.class, jobName);
    var configMap =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(ProgressReports.configMapName(resourceName, kind))
            .withNamespace(namespace)
            .addToLabels(ProgressReports.KIND_LABEL, kind)
            .addNewOwnerReference()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(jobName)
            .withUid(job.getMetadata().getUid())
            .endOwnerReference()
            .endMetadata()
            .addToData(ProgressReports.DATA_KEY, json)
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
