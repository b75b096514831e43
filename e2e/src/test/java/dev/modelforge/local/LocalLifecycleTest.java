package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole life cycle on the local cluster: the API server, the packaged operator as its own
 * process, and the runner running bin/modelforge for every pod. The demo's story is asserted, then
 * what happens around it: a killed trainer resumes, a deleted InferenceService takes its workloads
 * with it, and a resource the operator cannot act on says why.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalLifecycleTest {

  private static final ResourceDefinitionContext MODELS = DemoStoryAssertions.MODELS;
  private static final ResourceDefinitionContext JOBS = DemoStoryAssertions.JOBS;
  private static final ResourceDefinitionContext SERVICES = DemoStoryAssertions.SERVICES;

  @TempDir static Path state;
  static LocalCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(state, 0, line -> System.out.println("[local] " + line));
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static JsonNode status(ResourceDefinitionContext kind, String name) {
    return DemoStoryAssertions.status(client, kind, name);
  }

  private static String phase(ResourceDefinitionContext kind, String name) {
    JsonNode s = status(kind, name);
    return s == null ? "" : s.path("phase").asText("");
  }

  @Test
  @Order(1)
  void theFineTunedAdapterAnswersHeldOutProblemsBetterThanItsBase() throws Exception {
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    Demo.Result result =
        new Demo(
                client,
                new PrintStream(shown, true, StandardCharsets.UTF_8),
                ServiceAccess.loadBalancerIngress())
            .run();
    System.out.println(shown.toString(StandardCharsets.UTF_8));

    DemoStoryAssertions.assertStoryFinished(client, result);
    if (LocalApiServerTest.kubectlOnPath()) {
      var table =
          LocalApiServerTest.Kubectl.run(
              cluster.kubeconfig(), state, "get", "models,finetuningjobs,inferenceservices");
      assertThat(table.stdout()).contains("PHASE").contains("Ready").contains("Succeeded");
    }
  }

  @Test
  @Order(2)
  void aTrainerKilledMidRunResumesFromItsCheckpointAndFinishes() throws Exception {
    apply(
        JOBS,
        """
        apiVersion: modelforge.dev/v1alpha1
        kind: FineTuningJob
        metadata: {name: resumed}
        spec:
          baseModel: {name: %s}
          dataset: {uri: "configmap://arith-sums/train.jsonl", format: prompt-completion}
          method: {type: lora, lora: {rank: 4, alpha: 8, targetModules: [q_proj, v_proj]}}
          hyperparameters: {epochs: 4, learningRate: 1.0e-3, batchSize: 64, seed: 3}
          output: {modelName: resumed}
        """
            .formatted(Demo.BASE));
    // Past the first epoch's checkpoint (60 steps per epoch), the pod is lost.
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                status(JOBS, "resumed") != null
                    && status(JOBS, "resumed").path("step").asLong() > 70);
    ProcessHandle trainer =
        cluster.runner().jobProcess(Demo.NAMESPACE, "resumed-train").orElseThrow();
    trainer.descendants().forEach(ProcessHandle::destroyForcibly);
    trainer.destroyForcibly();

    await().atMost(Duration.ofMinutes(5)).until(() -> phase(JOBS, "resumed").equals("Succeeded"));
    Job train =
        client.batch().v1().jobs().inNamespace(Demo.NAMESPACE).withName("resumed-train").get();
    assertThat(train.getStatus().getFailed()).isEqualTo(1);
    assertThat(train.getStatus().getSucceeded()).isEqualTo(1);
    String logs;
    try (var pods = Files.list(state.resolve("pods").resolve(Demo.NAMESPACE))) {
      StringBuilder all = new StringBuilder();
      for (Path pod :
          pods.filter(p -> p.getFileName().toString().startsWith("resumed-train")).toList()) {
        all.append(Files.readString(pod.resolve("log")));
      }
      logs = all.toString();
    }
    assertThat(logs).contains("resumed from");
  }

  @Test
  @Order(3)
  void deletingAnInferenceServiceRemovesItsDeploymentAndService() {
    assertThat(client.apps().deployments().inNamespace(Demo.NAMESPACE).withName(Demo.SERVICE).get())
        .isNotNull();

    client
        .genericKubernetesResources(SERVICES)
        .inNamespace(Demo.NAMESPACE)
        .withName(Demo.SERVICE)
        .delete();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(
                      client
                          .apps()
                          .deployments()
                          .inNamespace(Demo.NAMESPACE)
                          .withName(Demo.SERVICE)
                          .get())
                  .isNull();
              assertThat(client.services().inNamespace(Demo.NAMESPACE).withName(Demo.SERVICE).get())
                  .isNull();
              assertThat(cluster.runner().servicePort(Demo.NAMESPACE, Demo.SERVICE)).isEmpty();
            });
  }

  @Test
  @Order(4)
  void aModelWithASourceTheOperatorCannotFetchFailsWithAClearCondition() {
    apply(
        MODELS,
        """
        apiVersion: modelforge.dev/v1alpha1
        kind: Model
        metadata: {name: nowhere}
        spec:
          source: {uri: "ftp://example.com/model"}
          storage: {size: 1Gi}
        """);

    await().atMost(Duration.ofSeconds(60)).until(() -> phase(MODELS, "nowhere").equals("Failed"));
    JsonNode ready = null;
    for (JsonNode c : status(MODELS, "nowhere").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) {
        ready = c;
      }
    }
    assertThat(ready).isNotNull();
    assertThat(ready.path("status").asText()).isEqualTo("False");
    assertThat(ready.path("reason").asText()).isEqualTo("InvalidSpec");
    assertThat(ready.path("message").asText()).contains("ftp");
    assertThat(
            client.batch().v1().jobs().inNamespace(Demo.NAMESPACE).withName("nowhere-fetch").get())
        .as("an invalid spec creates nothing")
        .isNull();
  }

  private static void apply(ResourceDefinitionContext kind, String yaml) {
    client
        .genericKubernetesResources(kind)
        .inNamespace(Demo.NAMESPACE)
        .resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class))
        .create();
  }
}
