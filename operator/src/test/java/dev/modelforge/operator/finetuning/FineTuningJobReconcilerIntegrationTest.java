package dev.modelforge.operator.finetuning;

import static dev.modelforge.operator.common.Kubelet.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.FineTuningPhase;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A FineTuningJob's whole path against the in-process API server. */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class FineTuningJobReconcilerIntegrationTest {
  static final String NS = "training-it";

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace(NS);
  }

  final KubernetesClient client = RealApiServer.admin();
  Kubelet kubelet;

  @BeforeEach
  void setUp() {
    kubelet = new Kubelet(client, NS);
  }

  @Test
  void waitsForBaseThenTrainsReportsProgressAndPublishesTheOutputModel() throws Exception {
    client
        .resource(fresh(TestResources.loraJob(NS, "arith-lora", "qwen-ft", "qwen-arith")))
        .create();

    // No base yet: a condition says why it waits, and no training Job exists.
    var waiting = awaitPhase("arith-lora", FineTuningPhase.Pending);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(readyMessage("arith-lora"))
                    .isEqualTo("Base Model qwen-ft does not exist; create it."));
    assertThat(waiting.getStatus().condition("Ready").orElseThrow().getReason())
        .isEqualTo("WaitingForBaseModel");
    kubelet.awaitExists(ConfigMap.class, "arith-lora-train-config");
    kubelet.awaitExists(PersistentVolumeClaim.class, "arith-lora-output");
    assertThat(kubelet.get(Job.class, "arith-lora-train")).isNull();

    // The base arrives and is fetched: training starts.
    client.resource(fresh(TestResources.model(NS, "qwen-ft"))).create();
    kubelet.completeJob("qwen-ft-fetch");
    awaitModelPhase("qwen-ft", ModelPhase.Ready);
    Job train = kubelet.awaitExists(Job.class, "arith-lora-train");
    var container = train.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs())
        .containsExactly(
            "train",
            "--base",
            "/models/qwen-ft",
            "--dataset",
            "configmap://arith-data/train.jsonl",
            "--config",
            "/etc/modelforge/train/config.json",
            "--output",
            "/output/model",
            "--threads",
            "1",
            "--device",
            "cuda",
            "--resume");
    assertThat(container.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
    var config =
        new ObjectMapper()
            .readTree(
                kubelet
                    .get(ConfigMap.class, "arith-lora-train-config")
                    .getData()
                    .get("config.json"));
    assertThat(config.at("/method/type").asText()).isEqualTo("lora");
    assertThat(config.at("/method/lora/rank").asInt()).isEqualTo(8);
    assertThat(config.at("/hyperparameters/lrScheduler").asText()).isEqualTo("cosine");

    // The trainer runs and reports.
    kubelet.startJob("arith-lora-train");
    kubelet.report(
        "arith-lora-train",
        "arith-lora",
        "train",
        "{\"phase\": \"train\", \"step\": 120, \"totalSteps\": 600, \"epoch\": 0.4, \"loss\":"
            + " 1.23, \"validationLoss\": 1.31, \"learningRate\": 0.0002, \"tokensPerSecond\":"
            + " 5400.5, \"etaSeconds\": 200}");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              var status = get("arith-lora").getStatus();
              assertThat(status.getPhase()).isEqualTo(FineTuningPhase.Running);
              assertThat(status.getProgress()).isEqualTo("120/600");
              assertThat(status.getLoss()).isEqualTo(1.23);
              assertThat(status.getValidationLoss()).isEqualTo(1.31);
              assertThat(status.getTokensPerSecond()).isEqualTo(5400.5);
              assertThat(status.getEtaSeconds()).isEqualTo(200L);
            });

    // Training finishes: the output Model appears, labelled with the job and not owned by it.
    kubelet.completeJob("arith-lora-train");
    var succeeded = awaitPhase("arith-lora", FineTuningPhase.Succeeded);
    assertThat(succeeded.getStatus().getOutputModel()).isEqualTo("qwen-arith");
    assertThat(succeeded.getStatus().isReadyConditionTrue()).isTrue();
    Model output = kubelet.get(Model.class, "qwen-arith");
    assertThat(output.getMetadata().getLabels())
        .containsEntry("modelforge.dev/finetuningjob", "arith-lora");
    assertThat(output.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(output.getSpec().getSource().getUri()).isEqualTo("pvc://arith-lora-output/model");
    assertThat(output.getSpec().getAdapterOf().getName()).isEqualTo("qwen-ft");
  }

  @Test
  void trainerFailureIsTerminalWithItsLastError() {
    client.resource(fresh(TestResources.model(NS, "qwen-fail"))).create();
    kubelet.completeJob("qwen-fail-fetch");
    client.resource(fresh(TestResources.loraJob(NS, "oom", "qwen-fail", "never"))).create();
    kubelet.startJob("oom-train");
    kubelet.report(
        "oom-train", "oom", "train", "{\"step\": 3, \"error\": \"CUDA out of memory at step 3\"}");
    kubelet.failJob("oom-train");

    var failed = awaitPhase("oom", FineTuningPhase.Failed);
    assertThat(failed.getStatus().getLastError()).isEqualTo("CUDA out of memory at step 3");
    var degraded = failed.getStatus().condition("Degraded").orElseThrow();
    assertThat(degraded.getReason()).isEqualTo("TrainingFailed");
    assertThat(degraded.getMessage()).contains("Terminal");
    assertThat(kubelet.get(Model.class, "never")).isNull();
  }

  /** What the schema cannot say (CrdSchemaOnRealServerTest covers what it can) lands in status. */
  @Test
  void anOutputNamedAfterTheBaseIsAnInvalidSpecCondition() {
    var job = fresh(TestResources.loraJob(NS, "self-output", "qwen-x", "qwen-x"));
    client.resource(job).create();

    var failed = awaitPhase("self-output", FineTuningPhase.Failed);
    var ready = failed.getStatus().condition("Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage())
        .isEqualTo("spec.output.modelName 'qwen-x' is the base model; name a new Model");
    assertThat(kubelet.get(ConfigMap.class, "self-output-train-config")).isNull();
  }

  private FineTuningJob get(String name) {
    return client.resources(FineTuningJob.class).inNamespace(NS).withName(name).get();
  }

  private String readyMessage(String name) {
    var status = get(name).getStatus();
    return status == null ? null : status.condition("Ready").map(c -> c.getMessage()).orElse(null);
  }

  private FineTuningJob awaitPhase(String name, FineTuningPhase phase) {
    return await()
        .atMost(TIMEOUT)
        .until(() -> get(name), j -> j.getStatus() != null && j.getStatus().getPhase() == phase);
  }

  private void awaitModelPhase(String name, ModelPhase phase) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> kubelet.get(Model.class, name),
            m -> m.getStatus() != null && m.getStatus().getPhase() == phase);
  }

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T fresh(T resource) {
    resource.getMetadata().setUid(null);
    resource.getMetadata().setGeneration(null);
    return resource;
  }
}
