package dev.modelforge.operator.serving;

import static dev.modelforge.operator.common.Kubelet.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.api.v1alpha1.ServingPhase;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An InferenceService's whole path against the in-process API server. */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class InferenceServiceReconcilerIntegrationTest {
  static final String NS = "serving-it";

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
  void waitsForModelsThenServesAndRollsOnSpecChanges() {
    var created =
        client
            .resource(fresh(TestResources.inferenceService(NS, "chat", "serve-base", "serve-lora")))
            .create();

    // Nothing to serve yet: it waits and creates nothing.
    var pending = awaitPhase("chat", ServingPhase.Pending);
    assertThat(pending.getStatus().condition("Ready").orElseThrow().getMessage())
        .contains("Model serve-base does not exist")
        .contains("Model serve-lora does not exist");
    assertThat(kubelet.get(Deployment.class, "chat")).isNull();

    // The base and its adapter become Ready: the server and its Service appear.
    readyModel("serve-base", null);
    readyModel("serve-lora", "serve-base");
    Deployment deployment = kubelet.awaitExists(Deployment.class, "chat");
    Service endpoint = kubelet.awaitExists(Service.class, "chat");
    assertOwnedBy(deployment, created);
    assertOwnedBy(endpoint, created);
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs())
        .containsExactly(
            "serve",
            "--model",
            "/models/serve-base",
            "--adapter",
            "serve-lora=/models/serve-lora",
            "--port",
            "8000",
            "--drain-timeout",
            "30s",
            "--threads",
            "1",
            "--device",
            "cuda",
            "--kv-cache-memory",
            "auto");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(endpoint.getSpec().getPorts().get(0).getPort()).isEqualTo(8000);

    // A replica passes its readiness probe: Ready, with the URL and replica counts.
    kubelet.rollOut("chat", 1, 1);
    var ready = awaitPhase("chat", ServingPhase.Ready);
    var status = ready.getStatus();
    assertThat(status.getUrl()).isEqualTo("http://chat.serving-it.svc:8000/v1");
    assertThat(status.getReadyReplicas()).isEqualTo(1);
    assertThat(status.getReplicas()).isEqualTo(1);
    assertThat(status.getReady()).isEqualTo("1/1");
    assertThat(status.getServedModels()).containsExactly("serve-base", "serve-lora");
    assertThat(status.getSelector()).contains("app.kubernetes.io/instance=chat");
    assertThat(status.isReadyConditionTrue()).isTrue();

    // Scaling (what /scale writes) changes the Deployment's replicas.
    edit("chat", s -> s.getSpec().getReplicas().setMin(3));
    await()
        .atMost(TIMEOUT)
        .until(() -> kubelet.get(Deployment.class, "chat").getSpec().getReplicas() == 3);

    // Changing the model rolls the Deployment; Ready waits for the new pods.
    readyModel("serve-other", null);
    edit(
        "chat",
        s -> {
          s.getSpec().setModel(new ModelReference("serve-other"));
          s.getSpec().setAdapters(List.of());
        });
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                kubelet
                    .get(Deployment.class, "chat")
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)
                    .getArgs()
                    .contains("/models/serve-other"));
    var rolling = awaitPhase("chat", ServingPhase.Deploying);
    assertThat(rolling.getStatus().isReadyConditionTrue()).isFalse();
    kubelet.rollOut("chat", 3, 3);
    var rolled = awaitPhase("chat", ServingPhase.Ready);
    assertThat(rolled.getStatus().getServedModels()).containsExactly("serve-other");
    assertThat(rolled.getStatus().getReady()).isEqualTo("3/3");
    assertThat(rolled.getStatus().getObservedGeneration())
        .isEqualTo(rolled.getMetadata().getGeneration());
  }

  @Test
  void deletingTheServedModelKeepsThePodsAndSaysWhy() {
    readyModel("gone-base", null);
    client.resource(fresh(TestResources.inferenceService(NS, "orphan", "gone-base"))).create();
    kubelet.rollOut("orphan", 1, 1);
    awaitPhase("orphan", ServingPhase.Ready);

    client.resources(Model.class).inNamespace(NS).withName("gone-base").delete();

    var waiting = awaitPhase("orphan", ServingPhase.Pending);
    assertThat(waiting.getStatus().condition("Ready").orElseThrow().getMessage())
        .isEqualTo(
            "Waiting: Model gone-base does not exist. Running pods keep their current models"
                + " until then.");
    assertThat(kubelet.get(Deployment.class, "orphan")).isNotNull();
  }

  @Test
  void deletionNeedsNoFinalizerAndLeavesCleanupToOwnerReferences() {
    readyModel("short-lived-base", null);
    var created =
        client
            .resource(fresh(TestResources.inferenceService(NS, "short-lived", "short-lived-base")))
            .create();
    var deployment = kubelet.awaitExists(Deployment.class, "short-lived");
    var endpoint = kubelet.awaitExists(Service.class, "short-lived");
    // Nothing outside Kubernetes needs cleaning, so the operator adds no finalizer.
    assertThat(kubelet.get(InferenceService.class, "short-lived").getMetadata().getFinalizers())
        .isNullOrEmpty();

    client.resource(created).delete();

    // The tests' API server runs no garbage collector: the owner references are what makes a
    // cluster's collector delete the Deployment and Service with their InferenceService.
    assertOwnedBy(deployment, created);
    assertOwnedBy(endpoint, created);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .resources(InferenceService.class)
                        .inNamespace(NS)
                        .withName("short-lived")
                        .get()
                    == null);
  }

  @Test
  void droppingANodeSelectorFromTheSpecDropsItFromThePods() {
    readyModel("placed-base", null);
    var service = fresh(TestResources.inferenceService(NS, "placed", "placed-base"));
    var scheduling = new dev.modelforge.operator.api.v1alpha1.Scheduling();
    scheduling.setNodeSelector(java.util.Map.of("pool", "gpu"));
    service.getSpec().setScheduling(scheduling);
    client.resource(service).create();
    await()
        .atMost(TIMEOUT)
        .until(() -> nodeSelector("placed") != null && nodeSelector("placed").containsKey("pool"));

    edit("placed", s -> s.getSpec().setScheduling(null));

    await()
        .atMost(TIMEOUT)
        .until(() -> nodeSelector("placed") == null || nodeSelector("placed").isEmpty());
  }

  private java.util.Map<String, String> nodeSelector(String name) {
    var deployment = kubelet.get(Deployment.class, name);
    return deployment == null
        ? null
        : deployment.getSpec().getTemplate().getSpec().getNodeSelector();
  }

  /** What the schema cannot say (CrdSchemaOnRealServerTest covers what it can) lands in status. */
  @Test
  void anAdapterListedTwiceIsAnInvalidSpecCondition() {
    var service = fresh(TestResources.inferenceService(NS, "twice", "whatever", "lora", "lora"));
    client.resource(service).create();

    var failed = awaitPhase("twice", ServingPhase.Failed);
    var ready = failed.getStatus().condition("Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains("adapter lora is listed twice");
    assertThat(kubelet.get(Deployment.class, "twice")).isNull();
  }

  private void readyModel(String name, String adapterOf) {
    var model = fresh(TestResources.model(NS, name));
    if (adapterOf != null) {
      model.getSpec().setAdapterOf(new ModelReference(adapterOf));
    }
    client.resource(model).create();
    kubelet.completeJob(name + "-fetch");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> kubelet.get(Model.class, name),
            m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Ready);
  }

  /**
   * Edits the spec as kubectl edit does: read, change, write with the version read. The operator
   * writes status between the read and the write at times (a 409 on a real API server), so a
   * conflict is retried on the fresh object.
   */
  private void edit(String name, java.util.function.Consumer<InferenceService> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .resources(InferenceService.class)
            .inNamespace(NS)
            .withName(name)
            .edit(
                s -> {
                  change.accept(s);
                  return s;
                });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private InferenceService awaitPhase(String name, ServingPhase phase) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> client.resources(InferenceService.class).inNamespace(NS).withName(name).get(),
            s -> s.getStatus() != null && s.getStatus().getPhase() == phase);
  }

  static void assertOwnedBy(HasMetadata owned, HasMetadata owner) {
    assertThat(owned.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
              assertThat(ref.getController()).isTrue();
            });
    assertThat(owned.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", owner.getMetadata().getName())
        .containsEntry("app.kubernetes.io/component", "serve");
  }

  static <T extends HasMetadata> T fresh(T resource) {
    resource.getMetadata().setUid(null);
    resource.getMetadata().setGeneration(null);
    return resource;
  }
}
