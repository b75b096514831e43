package dev.modelforge.operator.finetuning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.operator.api.v1alpha1.StorageSpec;
import dev.modelforge.operator.api.v1alpha1.TrainingMethod;
import dev.modelforge.operator.api.v1alpha1.TrainingMethodType;
import dev.modelforge.operator.api.v1alpha1.WorkloadResources;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import org.junit.jupiter.api.Test;

class TrainingWorkloadTest {

  @Test
  void trainerConfigIsTheSpecsMethodAndHyperparametersUnchanged() throws Exception {
    var job = TestResources.loraJob("ns", "arith-lora", "qwen", "qwen-arith");

    var config =
        new ObjectMapper()
            .readTree(TrainingWorkload.fromCrd(job, TestResources.config()).trainerConfig());

    assertThat(config.at("/method/type").asText()).isEqualTo("lora");
    assertThat(config.at("/method/lora/rank").asInt()).isEqualTo(8);
    assertThat(config.at("/method/lora/alpha").asDouble()).isEqualTo(16.0);
    assertThat(config.at("/method/lora/targetModules/1").asText()).isEqualTo("v_proj");
    assertThat(config.at("/hyperparameters/learningRate").asDouble()).isEqualTo(2e-4);
    assertThat(config.at("/hyperparameters/lrScheduler").asText()).isEqualTo("cosine");
    assertThat(config.at("/hyperparameters/seed").asLong()).isEqualTo(42L);
    assertThat(config.at("/dataset/format").asText()).isEqualTo("prompt-completion");
    assertThat(config.at("/hyperparameters").has("epochs")).isTrue();
  }

  @Test
  void trainJobMountsBaseOutputConfigAndDatasetAndRequestsGpus() {
    var job = TestResources.loraJob("ns", "arith-lora", "qwen", "qwen-arith");

    var trainJob = TrainingWorkload.fromCrd(job, TestResources.config()).generateTrainJob();

    var pod = trainJob.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(trainJob.getMetadata().getName()).isEqualTo("arith-lora-train");
    assertThat(container.getArgs()).contains("--resume").containsSequence("--base", "/models/qwen");
    assertThat(pod.getVolumes())
        .extracting(Volume::getName)
        .containsExactly("base", "output", "config", "progress", "tmp", "dataset");
    assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
        .isEqualTo("qwen-weights");
    assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getReadOnly()).isTrue();
    assertThat(pod.getVolumes().get(5).getConfigMap().getName()).isEqualTo("arith-data");
    assertThat(container.getResources().getRequests())
        .containsEntry("nvidia.com/gpu", new Quantity("1"))
        .containsEntry("memory", new Quantity("16Gi"))
        .containsEntry("cpu", new Quantity("1"));
    assertThat(container.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
  }

  @Test
  void cpuOnlyTrainingRequestsNoGpu() {
    var job = TestResources.loraJob("ns", "cpu", "qwen", "out");
    job.getSpec().setResources(new WorkloadResources(0, "8", null));

    var resources =
        TrainingWorkload.fromCrd(job, TestResources.config())
            .generateTrainJob()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getResources();

    assertThat(resources.getRequests()).doesNotContainKey("nvidia.com/gpu");
    assertThat(resources.getRequests()).containsEntry("cpu", new Quantity("8"));
    assertThat(resources.getRequests()).containsEntry("memory", new Quantity("4Gi"));
  }

  @Test
  void outputClaimTakesTheDefaultSizeUnlessTheSpecSetsOne() {
    var job = TestResources.loraJob("ns", "j", "qwen", "out");
    var defaulted = TrainingWorkload.fromCrd(job, TestResources.config()).generateOutputClaim();
    job.getSpec().getOutput().setStorage(new StorageSpec("50Gi"));
    var sized = TrainingWorkload.fromCrd(job, TestResources.config()).generateOutputClaim();

    assertThat(defaulted.getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("20Gi"));
    assertThat(sized.getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("50Gi"));
  }

  @Test
  void loraOutputIsAnUnownedAdapterModelOfTheBase() {
    var job = TestResources.loraJob("ns", "arith-lora", "qwen", "qwen-arith");

    var output = TrainingWorkload.fromCrd(job, TestResources.config()).generateOutputModel();

    assertThat(output.getMetadata().getName()).isEqualTo("qwen-arith");
    assertThat(output.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(output.getMetadata().getLabels())
        .containsEntry("modelforge.dev/finetuningjob", "arith-lora");
    assertThat(output.getSpec().getSource().getUri()).isEqualTo("pvc://arith-lora-output/model");
    assertThat(output.getSpec().getAdapterOf().getName()).isEqualTo("qwen");
  }

  @Test
  void fullFineTuningOutputIsAStandaloneModel() {
    var job = TestResources.loraJob("ns", "full", "qwen", "qwen-full");
    job.getSpec().setMethod(new TrainingMethod(TrainingMethodType.FULL, null));

    var output = TrainingWorkload.fromCrd(job, TestResources.config()).generateOutputModel();

    assertThat(output.getSpec().getAdapterOf()).isNull();
  }
}
