package dev.modelforge.operator.common;

import dev.modelforge.operator.api.v1alpha1.DatasetFormat;
import dev.modelforge.operator.api.v1alpha1.DatasetSpec;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.FineTuningJobSpec;
import dev.modelforge.operator.api.v1alpha1.Hyperparameters;
import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.InferenceServiceSpec;
import dev.modelforge.operator.api.v1alpha1.LoraSpec;
import dev.modelforge.operator.api.v1alpha1.LrScheduler;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.api.v1alpha1.ModelSource;
import dev.modelforge.operator.api.v1alpha1.ModelSpec;
import dev.modelforge.operator.api.v1alpha1.ReplicaRange;
import dev.modelforge.operator.api.v1alpha1.StorageSpec;
import dev.modelforge.operator.api.v1alpha1.TrainingMethod;
import dev.modelforge.operator.api.v1alpha1.TrainingMethodType;
import dev.modelforge.operator.api.v1alpha1.TrainingOutput;
import dev.modelforge.operator.api.v1alpha1.WorkloadResources;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The design's example resources (DESIGN.md §1), for tests. */
public final class TestResources {
  private TestResources() {}

  public static Model model(String namespace, String name) {
    var spec = new ModelSpec();
    spec.setSource(new ModelSource("hf://Qwen/Qwen2.5-0.5B-Instruct@main"));
    var storage = new StorageSpec("4Gi");
    storage.setStorageClassName("fast");
    spec.setStorage(storage);
    var model = new Model();
    model.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withGeneration(1L)
            .withUid("uid-" + name)
            .build());
    model.setSpec(spec);
    return model;
  }

  public static FineTuningJob loraJob(String namespace, String name, String base, String out) {
    var spec = new FineTuningJobSpec();
    spec.setBaseModel(new ModelReference(base));
    var dataset =
        new DatasetSpec("configmap://arith-data/train.jsonl", DatasetFormat.PROMPT_COMPLETION);
    dataset.setValidationSplit(0.1);
    spec.setDataset(dataset);
    var lora = new LoraSpec(8);
    lora.setAlpha(16.0);
    lora.setDropout(0.05);
    lora.setTargetModules(List.of("q_proj", "v_proj"));
    spec.setMethod(new TrainingMethod(TrainingMethodType.LORA, lora));
    var hp = new Hyperparameters();
    hp.setEpochs(2);
    hp.setLearningRate(2e-4);
    hp.setBatchSize(8);
    hp.setGradientAccumulationSteps(2);
    hp.setMaxSequenceLength(256);
    hp.setLrScheduler(LrScheduler.COSINE);
    hp.setWarmupRatio(0.05);
    hp.setSeed(42L);
    spec.setHyperparameters(hp);
    spec.setResources(new WorkloadResources(1, null, "16Gi"));
    spec.setOutput(new TrainingOutput(out));
    var job = new FineTuningJob();
    job.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withGeneration(1L)
            .withUid("uid-" + name)
            .build());
    job.setSpec(spec);
    return job;
  }

  public static InferenceService inferenceService(
      String namespace, String name, String model, String... adapters) {
    var spec = new InferenceServiceSpec();
    spec.setModel(new ModelReference(model));
    spec.setAdapters(Arrays.stream(adapters).map(ModelReference::new).toList());
    spec.setReplicas(new ReplicaRange(1, 4));
    spec.setResources(new WorkloadResources(1, null, null));
    var service = new InferenceService();
    service.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withGeneration(1L)
            .withUid("uid-" + name)
            .build());
    service.setSpec(spec);
    return service;
  }

  /** The configuration's defaults, as the application would see them with no overrides. */
  public static ModelForgeConfig config() {
    return config(List.of());
  }

  /** The defaults, with pull secrets for the runtime image. */
  public static ModelForgeConfig config(List<String> pullSecrets) {
    return config(pullSecrets, Optional.of(10001L));
  }

  /** The defaults, with pull secrets and the volumes' group (modelforge.runtime.fs-group). */
  public static ModelForgeConfig config(List<String> pullSecrets, Optional<Long> fsGroup) {
    return new ModelForgeConfig() {
      @Override
      public Runtime runtime() {
        return new Runtime() {
          @Override
          public String image() {
            return "ghcr.io/modelforge/runtime:test";
          }

          @Override
          public String pullPolicy() {
            return "IfNotPresent";
          }

          @Override
          public String command() {
            return "/opt/modelforge/bin/modelforge";
          }

          @Override
          public String serviceAccount() {
            return "modelforge-workload";
          }

          @Override
          public Optional<List<String>> imagePullSecrets() {
            return pullSecrets.isEmpty() ? Optional.empty() : Optional.of(pullSecrets);
          }

          @Override
          public Optional<Long> fsGroup() {
            return fsGroup;
          }
        };
      }

      @Override
      public Defaults defaults() {
        return new Defaults() {
          @Override
          public String cpu() {
            return "1";
          }

          @Override
          public String memory() {
            return "4Gi";
          }

          @Override
          public String trainingStorageSize() {
            return "20Gi";
          }
        };
      }

      @Override
      public Optional<Set<String>> watchNamespaces() {
        return Optional.empty();
      }
    };
  }
}
