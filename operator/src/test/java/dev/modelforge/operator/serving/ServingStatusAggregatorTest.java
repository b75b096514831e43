package dev.modelforge.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.InferenceServiceStatus;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.api.v1alpha1.ModelStatus;
import dev.modelforge.operator.api.v1alpha1.ReplicaRange;
import dev.modelforge.operator.api.v1alpha1.ServingPhase;
import dev.modelforge.operator.api.v1alpha1.VolumeAccessMode;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServingStatusAggregatorTest {
  final ServingStatusAggregator aggregator =
      new ServingStatusAggregator(
          Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
  final InferenceService service = TestResources.inferenceService("ns", "chat", "qwen", "arith");

  @Test
  void waitsWhileAModelIsMissingOrFetching() {
    var status =
        aggregate(Map.of("qwen", model("qwen", ModelPhase.Fetching, null)), Optional.empty());

    assertThat(status.getPhase()).isEqualTo(ServingPhase.Pending);
    assertThat(status.condition(Condition.READY).orElseThrow().getMessage())
        .isEqualTo("Waiting: Model qwen is Fetching; Model arith does not exist.");
  }

  @Test
  void anAdapterOfAnotherBaseIsAMismatch() {
    var status =
        aggregate(
            Map.of(
                "qwen", model("qwen", ModelPhase.Ready, null),
                "arith", model("arith", ModelPhase.Ready, "llama")),
            Optional.empty());

    assertThat(status.getPhase()).isEqualTo(ServingPhase.Failed);
    assertThat(status.condition(Condition.DEGRADED).orElseThrow().getMessage())
        .isEqualTo("Model arith is an adapter of llama, not of qwen. Fix spec.adapters.");
  }

  @Test
  void readyOnceAReplicaOfTheCurrentRolloutIsReady() {
    var status = aggregate(readyModels(), Optional.of(deployment("qwen,arith", 2, 2, 1, 2)));

    assertThat(status.getPhase()).isEqualTo(ServingPhase.Ready);
    assertThat(status.getReady()).isEqualTo("1/1");
    assertThat(status.getUrl()).isEqualTo("http://chat.ns.svc:8000/v1");
    assertThat(status.getSelector())
        .isEqualTo(
            "app.kubernetes.io/name=inferenceservice,app.kubernetes.io/instance=chat,"
                + "app.kubernetes.io/component=serve");
  }

  @Test
  void notReadyWhileTheDeploymentHasNotRolledTheNewTemplate() {
    var unobserved = aggregate(readyModels(), Optional.of(deployment("qwen,arith", 3, 2, 1, 1)));
    var oldModels = aggregate(readyModels(), Optional.of(deployment("qwen", 2, 2, 1, 1)));

    assertThat(unobserved.getPhase()).isEqualTo(ServingPhase.Deploying);
    assertThat(oldModels.getPhase()).isEqualTo(ServingPhase.Deploying);
    assertThat(oldModels.isReadyConditionTrue()).isFalse();
  }

  @Test
  void scaledToZeroIsNotReady() {
    service.getSpec().setReplicas(new ReplicaRange(0, 2));

    var status = aggregate(readyModels(), Optional.of(deployment("qwen,arith", 1, 1, 0, 0)));

    assertThat(status.condition(Condition.READY).orElseThrow().getReason())
        .isEqualTo("ScaledToZero");
  }

  @Test
  void aStalledRolloutIsDegraded() {
    var deployment = deployment("qwen,arith", 1, 1, 0, 1);
    deployment
        .getStatus()
        .setConditions(
            List.of(
                new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet chat-1 has timed out progressing.")
                    .build()));

    var status = aggregate(readyModels(), Optional.of(deployment));

    assertThat(status.getPhase()).isEqualTo(ServingPhase.Failed);
    assertThat(status.condition(Condition.DEGRADED).orElseThrow().getMessage())
        .contains("ReplicaSet chat-1 has timed out progressing.");
  }

  /**
   * Replicas that may land on several nodes cannot share a ReadWriteOnce volume: status says so.
   */
  @Test
  void replicasThatCannotShareAVolumeAreNamedInStatus() {
    service.getSpec().setReplicas(new ReplicaRange(1, 1));
    var one = aggregate(readyModels(), Optional.of(deployment("qwen,arith", 2, 2, 1, 2)));
    assertThat(one.condition(Condition.VOLUMES_SHAREABLE).orElseThrow().isTrue()).isTrue();

    service.getSpec().setReplicas(new ReplicaRange(1, 3));
    var three = aggregate(readyModels(), Optional.of(deployment("qwen,arith", 2, 2, 1, 2)));
    var shareable = three.condition(Condition.VOLUMES_SHAREABLE).orElseThrow();
    assertThat(shareable.isTrue()).isFalse();
    assertThat(shareable.getMessage())
        .contains("Model qwen's volume is ReadWriteOnce: of up to 3 replicas")
        .contains("Model arith's volume is ReadWriteOnce")
        .contains("spec.storage.accessMode: ReadWriteMany");
    assertThat(three.getPhase())
        .as("still serving on the node it has")
        .isEqualTo(ServingPhase.Ready);

    var models = readyModels();
    models
        .values()
        .forEach(m -> m.getSpec().getStorage().setAccessMode(VolumeAccessMode.ReadWriteMany));
    var spread = aggregate(models, Optional.of(deployment("qwen,arith", 2, 2, 1, 2)));
    assertThat(spread.condition(Condition.VOLUMES_SHAREABLE).orElseThrow().isTrue()).isTrue();

    models.get("qwen").getSpec().getStorage().setAccessMode(VolumeAccessMode.ReadWriteOncePod);
    var onePod = aggregate(models, Optional.of(deployment("qwen,arith", 2, 2, 1, 2)));
    assertThat(onePod.condition(Condition.VOLUMES_SHAREABLE).orElseThrow().getMessage())
        .startsWith("Model qwen's volume is ReadWriteOncePod: one pod at a time");
  }

  private InferenceServiceStatus aggregate(
      Map<String, Model> models, Optional<Deployment> deployment) {
    return aggregator.aggregate(
        new ServingObservation(service, List.of(), models, deployment, Optional.of(new Service())));
  }

  private static Map<String, Model> readyModels() {
    var models = new HashMap<String, Model>();
    models.put("qwen", model("qwen", ModelPhase.Ready, null));
    models.put("arith", model("arith", ModelPhase.Ready, "qwen"));
    return models;
  }

  private static Model model(String name, ModelPhase phase, String adapterOf) {
    var model = TestResources.model("ns", name);
    if (adapterOf != null) {
      model.getSpec().setAdapterOf(new ModelReference(adapterOf));
    }
    var status = new ModelStatus();
    status.setPhase(phase);
    status.setConditions(
        List.of(
            new Condition("Ready", phase == ModelPhase.Ready ? "True" : "False", "x", "", "", 1L)));
    model.setStatus(status);
    return model;
  }

  private static Deployment deployment(
      String served, long generation, long observed, int ready, int updated) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("chat")
        .withGeneration(generation)
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewMetadata()
        .addToAnnotations(ServingWorkload.SERVED_MODELS_ANNOTATION, served)
        .endMetadata()
        .endTemplate()
        .endSpec()
        .withStatus(
            new DeploymentStatusBuilder()
                .withObservedGeneration(observed)
                .withReplicas(Math.max(ready, updated))
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .build())
        .build();
  }
}
