package dev.modelforge.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A Model against the in-process API server: the operator running, the kubelet simulated. */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class ModelReconcilerIntegrationTest {
  static final String NS = "models-it";

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace(NS);
  }

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  final KubernetesClient client = RealApiServer.admin();

  @Test
  void fetchProgressAndConfigFactsReachStatusUntilReady() {
    var created = client.resource(withoutServerFields(TestResources.model(NS, "qwen"))).create();

    // The volume and the fetch Job appear, owned by the Model.
    var claim =
        await()
            .atMost(TIMEOUT)
            .until(() -> get(PersistentVolumeClaim.class, "qwen-weights"), c -> c != null);
    Job job = await().atMost(TIMEOUT).until(() -> get(Job.class, "qwen-fetch"), j -> j != null);
    assertOwnedBy(claim, created);
    assertOwnedBy(job, created);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsSequence("fetch", "--source", "hf://Qwen/Qwen2.5-0.5B-Instruct@main")
        .containsSequence("--dest", "/models/qwen");
    awaitPhase("qwen", ModelPhase.Pending);

    // The pod starts and reports half of the bytes.
    new Kubelet(client, NS).startJob("qwen-fetch");
    reportProgress(
        job,
        "qwen",
        "{\"bytesDone\": 494000000, \"totalBytes\": 988000000, \"rate\": 1000000,"
            + " \"eta\": 494}");
    var fetching = awaitPhase("qwen", ModelPhase.Fetching);
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              var status =
                  client.resources(Model.class).inNamespace(NS).withName("qwen").get().getStatus();
              assertThat(status.getProgress()).isEqualTo("494MB/988MB");
              assertThat(status.getEtaSeconds()).isEqualTo(494L);
            });
    assertThat(fetching.getStatus().isReadyConditionTrue()).isFalse();

    // The fetch finishes: files verified, config.json read.
    reportProgress(
        job,
        "qwen",
        "{\"bytesDone\": 988000000, \"totalBytes\": 988000000, \"files\": [{\"path\":"
            + " \"model.safetensors\", \"size\": 988000000, \"sha256\": \"ab12\"}], \"config\":"
            + " {\"architecture\": \"qwen2\", \"parameters\": 494000000, \"dtype\": \"bfloat16\","
            + " \"contextLength\": 32768, \"vocabSize\": 151936}}");
    new Kubelet(client, NS).completeJob("qwen-fetch");

    var ready = awaitPhase("qwen", ModelPhase.Ready);
    var status = ready.getStatus();
    assertThat(status.isReadyConditionTrue()).isTrue();
    assertThat(status.getArchitecture()).isEqualTo("qwen2");
    assertThat(status.getParameters()).isEqualTo(494_000_000L);
    assertThat(status.getContextLength()).isEqualTo(32768L);
    assertThat(status.getVocabSize()).isEqualTo(151936L);
    assertThat(status.getFiles())
        .singleElement()
        .satisfies(f -> assertThat(f.getSha256()).isEqualTo("ab12"));
    assertThat(status.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
    assertThat(status.getEtaSeconds()).isNull();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace(NS).list().getItems())
                    .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("FetchSucceeded")));
  }

  @Test
  void failedFetchIsTerminalWithThePodsError() {
    client.resource(withoutServerFields(TestResources.model(NS, "broken"))).create();
    Job job = await().atMost(TIMEOUT).until(() -> get(Job.class, "broken-fetch"), j -> j != null);
    reportProgress(job, "broken", "{\"bytesDone\": 0, \"error\": \"401 Unauthorized from hf.co\"}");
    new Kubelet(client, NS).failJob("broken-fetch");

    var failed = awaitPhase("broken", ModelPhase.Failed);
    var degraded = failed.getStatus().condition("Degraded").orElseThrow();
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.getReason()).isEqualTo("FetchFailed");
    assertThat(degraded.getMessage())
        .contains("401 Unauthorized")
        .contains("delete Job broken-fetch");
  }

  /** A field the CRD does not name (a typo the API server did not prune) stops nothing. */
  @Test
  void aModelWithAnUnknownFieldIsReconciledAndTheInformerKeepsWorking() {
    var typo = TestResources.model(NS, "typo");
    var generic =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
            io.fabric8.kubernetes.client.utils.Serialization.asJson(withoutServerFields(typo)),
            io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
    @SuppressWarnings("unchecked")
    var spec = (java.util.Map<String, Object>) generic.getAdditionalProperties().get("spec");
    spec.put("sorce", java.util.Map.of("uri", "hf://typo/typo"));
    client
        .genericKubernetesResources(
            new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                .withGroup("modelforge.dev")
                .withVersion("v1alpha1")
                .withKind("Model")
                .withPlural("models")
                .withNamespaced(true)
                .build())
        .inNamespace(NS)
        .resource(generic)
        .create();

    assertThat(await().atMost(TIMEOUT).until(() -> get(Job.class, "typo-fetch"), j -> j != null))
        .isNotNull();
    client.resource(withoutServerFields(TestResources.model(NS, "after-typo"))).create();
    assertThat(
            await().atMost(TIMEOUT).until(() -> get(Job.class, "after-typo-fetch"), j -> j != null))
        .isNotNull();
  }

  /** What the schema cannot say (CrdSchemaOnRealServerTest covers what it can) lands in status. */
  @Test
  void invalidSpecBecomesAConditionAndCreatesNothing() {
    var model = withoutServerFields(TestResources.model(NS, "bad"));
    model.getSpec().getStorage().setSize("0");
    model.getSpec().setAdapterOf(new dev.modelforge.operator.api.v1alpha1.ModelReference("bad"));
    client.resource(model).create();

    var failed = awaitPhase("bad", ModelPhase.Failed);
    var ready = failed.getStatus().condition("Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage())
        .contains("spec.storage.size '0' is not a positive quantity")
        .contains("spec.adapterOf names this Model itself");
    assertThat(get(Job.class, "bad-fetch")).isNull();
    assertThat(get(PersistentVolumeClaim.class, "bad-weights")).isNull();
  }

  @Test
  void adapterWaitsForItsBase() {
    var adapter = withoutServerFields(TestResources.model(NS, "lora-a"));
    adapter
        .getSpec()
        .setAdapterOf(new dev.modelforge.operator.api.v1alpha1.ModelReference("base-a"));
    client.resource(adapter).create();
    Job job = await().atMost(TIMEOUT).until(() -> get(Job.class, "lora-a-fetch"), j -> j != null);
    new Kubelet(client, NS).completeJob("lora-a-fetch");

    var waiting =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> client.resources(Model.class).inNamespace(NS).withName("lora-a").get(),
                m ->
                    m.getStatus() != null
                        && m.getStatus()
                            .condition("Ready")
                            .map(c -> "WaitingForBaseModel".equals(c.getReason()))
                            .orElse(false));
    assertThat(waiting.getStatus().getPhase()).isEqualTo(ModelPhase.Pending);

    // Creating the base wakes the adapter up through the Model informer.
    client.resource(withoutServerFields(TestResources.model(NS, "base-a"))).create();
    awaitPhase("lora-a", ModelPhase.Ready);
  }

  /**
   * Without the workload ServiceAccount the Job controller cannot create the fetch pod; status says
   * so, and the Model goes on once the account exists and the pod starts.
   */
  @Test
  void aMissingWorkloadServiceAccountIsNamedInStatus() {
    String ns = "models-no-account";
    RealApiServer.namespaceWithoutWorkloadAccount(ns);
    client.resource(withoutServerFields(TestResources.model(ns, "waiting"))).create();

    var waiting =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> client.resources(Model.class).inNamespace(ns).withName("waiting").get(),
                m ->
                    m.getStatus() != null
                        && m.getStatus()
                            .condition(Condition.READY)
                            .filter(c -> "ServiceAccountMissing".equals(c.getReason()))
                            .isPresent());
    assertThat(waiting.getStatus().getPhase()).isEqualTo(ModelPhase.Pending);
    assertThat(waiting.getStatus().condition(Condition.READY).orElseThrow().getMessage())
        .contains("ServiceAccount " + ns + "/modelforge-workload does not exist")
        .contains("waiting-fetch")
        .contains("config/samples/workload-serviceaccount.yaml");
    assertThat(waiting.getStatus().condition(Condition.DEGRADED).orElseThrow().getStatus())
        .isEqualTo("True");

    client
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName("modelforge-workload")
                .withNamespace(ns)
                .endMetadata()
                .build())
        .create();
    new Kubelet(client, ns).startJob("waiting-fetch");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> client.resources(Model.class).inNamespace(ns).withName("waiting").get(),
            m -> m.getStatus().getPhase() == ModelPhase.Fetching);
  }

  private Model awaitPhase(String name, ModelPhase phase) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> client.resources(Model.class).inNamespace(NS).withName(name).get(),
            m -> m.getStatus() != null && m.getStatus().getPhase() == phase);
  }

  private void reportProgress(Job job, String model, String json) {
    new Kubelet(client, NS).report(job.getMetadata().getName(), model, "fetch", json);
  }

  private <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  static void assertOwnedBy(HasMetadata owned, HasMetadata owner) {
    assertThat(owned.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
              assertThat(ref.getKind()).isEqualTo(owner.getKind());
              assertThat(ref.getController()).isTrue();
            });
    assertThat(owned.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/instance", owner.getMetadata().getName())
        .containsEntry("app.kubernetes.io/managed-by", "modelforge-operator");
  }

  static <T extends HasMetadata> T withoutServerFields(T resource) {
    resource.getMetadata().setUid(null);
    resource.getMetadata().setGeneration(null);
    return resource;
  }
}
