package dev.modelforge.runtime.progress;

import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.contract.progress.ProgressReports;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Copies a fetch or train pod's progress file, verbatim, into the ConfigMap the operator watches
 * ({@link ProgressReports}): key {@code progress.json}, the progress label, owned by the pod's Job
 * so it goes when the Job goes. It publishes when the file changes, at most every interval, and
 * once more on close. A failure to publish is reported and never stops the work.
 */
public final class ProgressPublisher implements AutoCloseable {

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final String name;
  private final String labelKey;
  private final String labelValue;
  private final String jobName;
  private final Path file;
  private final Consumer<String> warn;
  private final ScheduledExecutorService timer;

  private String published;
  private OwnerReference owner;
  private boolean ownerLooked;
  private String lastProblem;

  public ProgressPublisher(
      KubernetesClient client,
      String namespace,
      String name,
      String label,
      String jobName,
      Path file,
      Consumer<String> warn) {
    this(client, false, namespace, name, label, jobName, file, warn);
  }

  private ProgressPublisher(
      KubernetesClient client,
      boolean ownsClient,
      String namespace,
      String name,
      String label,
      String jobName,
      Path file,
      Consumer<String> warn) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.namespace = namespace;
    this.name = name;
    int eq = label == null ? -1 : label.indexOf('=');
    this.labelKey = eq > 0 ? label.substring(0, eq) : null;
    this.labelValue = eq > 0 ? label.substring(eq + 1) : null;
    this.jobName = jobName == null || jobName.isBlank() ? null : jobName;
    this.file = file;
    this.warn = warn;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress-publisher");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A publisher for this pod when the operator asked for one ({@value
   * #RuntimeEnv.PROGRESS_CONFIGMAP} is set), with the in-cluster client; empty when the command
   * runs outside a ModelForge workload.
   */
  public static Optional<ProgressPublisher> fromEnvironment(
      Map<String, String> env, Path file, Consumer<String> warn) {
    String name = env.get(RuntimeEnv.PROGRESS_CONFIGMAP);
    if (name == null || name.isBlank()) {
      return Optional.empty();
    }
    KubernetesClient client;
    try {
      client = new KubernetesClientBuilder().build();
    } catch (RuntimeException e) {
      warn.accept("progress will not reach the operator: no Kubernetes client: " + e.getMessage());
      return Optional.empty();
    }
    String namespace = env.getOrDefault(RuntimeEnv.NAMESPACE, client.getNamespace());
    return Optional.of(
        new ProgressPublisher(
            client,
            true,
            namespace,
            name,
            env.get(RuntimeEnv.PROGRESS_LABEL),
            env.get(RuntimeEnv.JOB_NAME),
            file,
            warn));
  }

  /** Publishes every {@code interval} from a background thread until {@link #close()}. */
  public ProgressPublisher start(Duration interval) {
    long ms = interval.toMillis();
    timer.scheduleWithFixedDelay(this::publishQuietly, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Publishes the file if it changed since the last publication; true when it did. */
  public synchronized boolean publish() {
    String content;
    try {
      content = Files.readString(file);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      problem("cannot read " + file + ": " + e.getMessage());
      return false;
    }
    if (content.equals(published)) {
      return false;
    }
    ConfigMapBuilder cm =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .addToData(ProgressReports.DATA_KEY, content);
    if (labelKey != null) {
      cm.editMetadata().addToLabels(labelKey, labelValue).endMetadata();
    }
    OwnerReference ref = owner();
    if (ref != null) {
      cm.editMetadata().withOwnerReferences(List.of(ref)).endMetadata();
    }
    ConfigMap map = cm.build();
    client.configMaps().inNamespace(namespace).resource(map).createOr(c -> c.update());
    published = content;
    lastProblem = null;
    return true;
  }

  private void publishQuietly() {
    try {
      publish();
    } catch (RuntimeException e) {
      problem(
          "cannot publish progress to ConfigMap " + namespace + "/" + name + ": " + e.getMessage());
    }
  }

  private OwnerReference owner() {
    if (ownerLooked || jobName == null) {
      return owner;
    }
    ownerLooked = true;
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    if (job != null) {
      owner =
          new OwnerReferenceBuilder()
              .withApiVersion("batch/v1")
              .withKind("Job")
              .withName(jobName)
              .withUid(job.getMetadata().getUid())
              .build();
    }
    return owner;
  }

  /** One warning per distinct problem, so a flaky API server does not flood the log. */
  private void problem(String message) {
    if (!message.equals(lastProblem)) {
      warn.accept(message);
      lastProblem = message;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    publishQuietly();
    if (ownsClient) {
      client.close();
    }
  }
}
