package dev.modelforge.operator.finetuning;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.contract.args.TrainArgs;
import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.FineTuningJobSpec;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.api.v1alpha1.ModelSource;
import dev.modelforge.operator.api.v1alpha1.ModelSpec;
import dev.modelforge.operator.api.v1alpha1.StorageSpec;
import dev.modelforge.operator.api.v1alpha1.TrainingMethodType;
import dev.modelforge.operator.common.Compute;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.common.Ownership;
import dev.modelforge.operator.common.Placement;
import dev.modelforge.operator.common.ProgressEnv;
import dev.modelforge.operator.common.RuntimePod;
import dev.modelforge.operator.common.SourceVolumes;
import dev.modelforge.operator.config.ModelForgeConfig;
import dev.modelforge.operator.model.ModelWorkload;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;

/**
 * The Kubernetes objects of one training run, generated from the FineTuningJob and the operator's
 * configuration only: the trainer's config file, the checkpoint volume, the batch Job, and the
 * Model that publishes the result.
 */
public final class TrainingWorkload {
  static final String TRAIN_COMPONENT = "train";
  static final String OUTPUT_COMPONENT = "training-output";

  /** Value of the progress label on the trainer's report. */

  /** Inside the output volume: the trained model (checkpoints sit next to it). */

  /** Restarts resume from the last checkpoint, so a few are cheap; more hide a real bug. */
  static final int TRAIN_BACKOFF_LIMIT = 3;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setSerializationInclusion(JsonInclude.Include.NON_NULL)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final FineTuningJob job;
  private final FineTuningJobSpec spec;
  private final ModelForgeConfig config;

  private TrainingWorkload(FineTuningJob job, ModelForgeConfig config) {
    this.job = job;
    this.spec = job.getSpec();
    this.config = config;
  }

  public static TrainingWorkload fromCrd(FineTuningJob job, ModelForgeConfig config) {
    return new TrainingWorkload(job, config);
  }

  public static String configMapName(String jobName) {
    return jobName + "-train-config";
  }

  public static String outputClaimName(String jobName) {
    return jobName + "-output";
  }

  public static String trainJobName(String jobName) {
    return jobName + "-train";
  }

  private String name() {
    return job.getMetadata().getName();
  }

  private String baseName() {
    return spec.getBaseModel().getName();
  }

  /**
   * The trainer's config file: the spec's method and hyperparameters unchanged (the shape {@code
   * modelforge train --config} reads), plus the dataset's format and split.
   */
  public String trainerConfig() {
    ObjectNode root = JSON.createObjectNode();
    root.set("method", JSON.valueToTree(spec.getMethod()));
    if (spec.getHyperparameters() != null) {
      root.set("hyperparameters", JSON.valueToTree(spec.getHyperparameters()));
    }
    root.set("dataset", JSON.valueToTree(spec.getDataset()));
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public ConfigMap generateConfigMap() {
    return new ConfigMapBuilder()
        .withMetadata(metadata(configMapName(name()), TRAIN_COMPONENT))
        .addToData(Mounts.TRAINING_CONFIG_KEY, trainerConfig())
        .build();
  }

  private StorageSpec outputStorage() {
    var storage = spec.getOutput().getStorage();
    return storage != null && storage.getSize() != null
        ? storage
        : new StorageSpec(config.defaults().trainingStorageSize());
  }

  public PersistentVolumeClaim generateOutputClaim() {
    var storage = outputStorage();
    return new PersistentVolumeClaimBuilder()
        .withMetadata(metadata(outputClaimName(name()), OUTPUT_COMPONENT))
        .withNewSpec()
        .withAccessModes(storage.getAccessMode().name())
        .withStorageClassName(storage.getStorageClassName())
        .withNewResources()
        .addToRequests("storage", new Quantity(storage.getSize()))
        .endResources()
        .endSpec()
        .build();
  }

  public Job generateTrainJob() {
    var metadata = metadata(trainJobName(name()), TRAIN_COMPONENT);
    return new JobBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withBackoffLimit(TRAIN_BACKOFF_LIMIT)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(metadata.getLabels())
        .endMetadata()
        .withSpec(trainPod())
        .endTemplate()
        .endSpec()
        .build();
  }

  private PodSpec trainPod() {
    var runtime =
        new RuntimePod(config)
            .claim("base", ModelWorkload.claimName(baseName()), Mounts.model(baseName()), true)
            .claim("output", outputClaimName(name()), Mounts.OUTPUT, false)
            .configMap("config", configMapName(name()), Mounts.TRAINING_CONFIG_DIR)
            .emptyDir("progress", Mounts.PROGRESS_DIR)
            .emptyDir("tmp", Mounts.TMP)
            .source(SourceVolumes.forUri(spec.getDataset().getUri(), "dataset"));
    var pod = runtime.jobPod(trainContainer(runtime)).build();
    Placement.apply(spec.getScheduling(), pod);
    return pod;
  }

  private Container trainContainer(RuntimePod runtime) {
    var env =
        new ArrayList<EnvVar>(
            ProgressEnv.forJob(name(), trainJobName(name()), ProgressReports.TRAIN));
    env.add(ProgressEnv.env(RuntimeEnv.SOURCE_ROOT, Mounts.SOURCES));
    return runtime
        .container(
            "train",
            new TrainArgs(
                    Mounts.model(baseName()),
                    spec.getDataset().getUri(),
                    Mounts.TRAINING_CONFIG,
                    Mounts.TRAINED_MODEL,
                    Compute.threads(spec.getResources(), config.defaults()),
                    Compute.device(spec.getResources()),
                    // A replacement pod continues from the last checkpoint on the output volume.
                    true)
                .toArgs())
        .withEnv(env)
        .withResources(Compute.requirements(spec.getResources(), config.defaults()))
        .build();
  }

  /**
   * The Model that publishes the trained output. Labelled with the job but not owned by it, so
   * deleting the job keeps the result; it copies the output into its own volume.
   */
  public Model generateOutputModel() {
    var modelSpec = new ModelSpec();
    modelSpec.setSource(
        new ModelSource("pvc://" + outputClaimName(name()) + "/" + Mounts.TRAINED_MODEL_DIR));
    var storage = outputStorage();
    var modelStorage = new StorageSpec(storage.getSize());
    modelStorage.setStorageClassName(storage.getStorageClassName());
    modelStorage.setAccessMode(storage.getAccessMode());
    modelSpec.setStorage(modelStorage);
    if (spec.getMethod().getType() == TrainingMethodType.LORA) {
      modelSpec.setAdapterOf(new ModelReference(baseName()));
    }
    modelSpec.setScheduling(spec.getScheduling());
    var labels = new LinkedHashMap<String, String>();
    labels.put(Labels.PART_OF, "modelforge");
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.PRODUCED_BY_JOB, name());
    var model = new Model();
    model.setMetadata(
        new ObjectMetaBuilder()
            .withName(spec.getOutput().getModelName())
            .withNamespace(job.getMetadata().getNamespace())
            .withLabels(labels)
            .build());
    model.setSpec(modelSpec);
    return model;
  }

  private ObjectMeta metadata(String objectName, String component) {
    return new ObjectMetaBuilder()
        .withName(objectName)
        .withNamespace(job.getMetadata().getNamespace())
        .withLabels(Labels.of(job, component))
        .withOwnerReferences(Ownership.controlledBy(job))
        .build();
  }
}
