package dev.modelforge.operator.model;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.contract.args.FetchArgs;
import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelSpec;
import dev.modelforge.operator.common.Compute;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.common.Ownership;
import dev.modelforge.operator.common.Placement;
import dev.modelforge.operator.common.ProgressEnv;
import dev.modelforge.operator.common.RuntimePod;
import dev.modelforge.operator.common.SourceVolumes;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;

/**
 * The Kubernetes objects that hold and fetch one Model, generated from its spec and the operator's
 * configuration only (no cluster reads), so tests call it directly.
 */
public final class ModelWorkload {
  static final String WEIGHTS_COMPONENT = "weights";
  static final String FETCH_COMPONENT = "fetch";

  /** Value of the progress label on the fetch pod's report. */

  /** Fetch is resumable, so a few fresh pods are cheap; more hides a broken source. */
  static final int FETCH_BACKOFF_LIMIT = 4;

  private final Model model;
  private final ModelSpec spec;
  private final ModelForgeConfig config;

  private ModelWorkload(Model model, ModelForgeConfig config) {
    this.model = model;
    this.spec = model.getSpec();
    this.config = config;
  }

  public static ModelWorkload fromCrd(Model model, ModelForgeConfig config) {
    return new ModelWorkload(model, config);
  }

  /** The claim that holds a Model's files; other kinds mount it by this name. */
  public static String claimName(String modelName) {
    return modelName + "-weights";
  }

  public static String fetchJobName(String modelName) {
    return modelName + "-fetch";
  }

  private String name() {
    return model.getMetadata().getName();
  }

  public PersistentVolumeClaim generateClaim() {
    var storage = spec.getStorage();
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(claimName(name()))
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(Labels.of(model, WEIGHTS_COMPONENT))
        .withOwnerReferences(Ownership.controlledBy(model))
        .endMetadata()
        .withNewSpec()
        .withAccessModes(storage.getAccessMode().name())
        .withStorageClassName(storage.getStorageClassName())
        .withNewResources()
        .addToRequests("storage", new Quantity(storage.getSize()))
        .endResources()
        .endSpec()
        .build();
  }

  public Job generateFetchJob() {
    String jobName = fetchJobName(name());
    var labels = Labels.of(model, FETCH_COMPONENT);
    return new JobBuilder()
        .withNewMetadata()
        .withName(jobName)
        .withNamespace(model.getMetadata().getNamespace())
        .withLabels(labels)
        .withOwnerReferences(Ownership.controlledBy(model))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(FETCH_BACKOFF_LIMIT)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(fetchPod(jobName))
        .endTemplate()
        .endSpec()
        .build();
  }

  private PodSpec fetchPod(String jobName) {
    var runtime =
        new RuntimePod(config)
            .claim("weights", claimName(name()), Mounts.model(name()), false)
            .emptyDir("progress", Mounts.PROGRESS_DIR)
            .emptyDir("tmp", Mounts.TMP)
            .source(SourceVolumes.forUri(spec.getSource().getUri(), "source"));
    var pod = runtime.jobPod(fetchContainer(runtime, jobName)).build();
    Placement.apply(spec.getScheduling(), pod);
    return pod;
  }

  private Container fetchContainer(RuntimePod runtime, String jobName) {
    var env = new ArrayList<EnvVar>(ProgressEnv.forJob(name(), jobName, ProgressReports.FETCH));
    env.add(ProgressEnv.env(RuntimeEnv.SOURCE_ROOT, Mounts.SOURCES));
    var envFrom = new ArrayList<EnvFromSource>();
    if (spec.getSource().getCredentialsSecretRef() != null) {
      // Credentials reach the process as environment, never as arguments that show in logs.
      envFrom.add(
          new EnvFromSourceBuilder()
              .withNewSecretRef()
              .withName(spec.getSource().getCredentialsSecretRef().getName())
              .withOptional(false)
              .endSecretRef()
              .build());
    }
    return runtime
        .container(
            "fetch",
            new FetchArgs(spec.getSource().getUri(), Mounts.model(name()), Mounts.PROGRESS_FILE)
                .toArgs())
        .withEnv(env)
        .withEnvFrom(envFrom)
        .withResources(Compute.requirements(null, config.defaults()))
        .build();
  }
}
