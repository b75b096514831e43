package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole life cycle on the local cluster: the real control plane, the node agent running
 * bin/modelforge for every pod, and the packaged operator as its own process, with the shipped
 * RBAC. The demo's story is asserted, then what a user does around it with kubectl, and what
 * happens around it: a killed trainer resumes, a deleted InferenceService takes its workloads with
 * it (the garbage collector), and a resource the operator cannot act on says why.
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
    cluster = LocalCluster.start(state, line -> System.out.println("[local] " + line));
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
                ServiceAccess.localProxy())
            .run();
    System.out.println(shown.toString(StandardCharsets.UTF_8));

    DemoStoryAssertions.assertStoryFinished(client, result);
    var table = Kubectl.of(cluster).run(30, "get", "models,finetuningjobs,inferenceservices");
    assertThat(table.stdout()).contains("PHASE").contains("Ready").contains("Succeeded");
  }

  /** What a user tries with the printed kubeconfig behaves as on a cluster. */
  @Test
  @Order(2)
  void kubectlBehavesAsOnACluster() throws Exception {
    Kubectl kubectl = Kubectl.of(cluster);

    var explain = kubectl.run(30, "explain", "model.spec.source");
    assertThat(explain.stdout()).contains("uri").contains("credentialsSecretRef");

    var nodes = kubectl.run(30, "get", "nodes");
    assertThat(nodes.stdout()).contains(NodeAgent.NODE_NAME).contains("Ready");
    var pods = kubectl.run(30, "get", "pods");
    assertThat(pods.stdout())
        .contains(Demo.SERVICE + "-")
        .contains("Running")
        .contains("Completed");

    var events = kubectl.run(30, "get", "events");
    assertThat(events.stdout()).contains("REASON").contains("OBJECT").contains("FetchSucceeded");
    var describe = kubectl.run(30, "describe", "model", "tiny-random");
    assertThat(describe.stdout()).contains("Events:").doesNotContain("Events:  <none>");

    var waited =
        kubectl.run(
            30,
            "wait",
            "--for=jsonpath={.status.phase}=Ready",
            "model/tiny-random",
            "--timeout=20s");
    assertThat(waited.exitCode()).as(waited.stderr()).isZero();
    assertThat(waited.stderr()).isEmpty();
    var watch = kubectl.run(4, "get", "models", "-w");
    assertThat(watch.exitCode()).as("a watch runs until stopped").isEqualTo(124);
    assertThat(watch.stdout()).contains("tiny-random");
    assertThat(watch.stderr()).isEmpty();

    // /scale maps onto spec.replicas.min, and the schema keeps it within max (1 here).
    var scaled = kubectl.run(30, "scale", "inferenceservice/" + Demo.SERVICE, "--replicas=1");
    assertThat(scaled.exitCode()).as(scaled.stderr()).isZero();
    var min =
        kubectl.run(
            30, "get", "inferenceservice", Demo.SERVICE, "-o", "jsonpath={.spec.replicas.min}");
    assertThat(min.stdout()).isEqualTo("1");
    var tooMany = kubectl.run(30, "scale", "inferenceservice/" + Demo.SERVICE, "--replicas=2");
    assertThat(tooMany.exitCode()).isNotZero();
    assertThat(tooMany.stderr()).contains("replicas.min must be <= replicas.max");

    // Server-side apply, strategic-merge patch and a server-side dry run.
    String configMap =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubectl-check}\ndata: {a: \"1\"}\n";
    var applied = kubectl.runWithInput(configMap, "apply", "--server-side", "-f", "-");
    assertThat(applied.exitCode()).as(applied.stderr()).isZero();
    var patched =
        kubectl.run(
            30,
            "patch",
            "configmap",
            "kubectl-check",
            "--type=strategic",
            "-p",
            "{\"data\":{\"b\":\"2\"}}");
    assertThat(patched.exitCode()).as(patched.stderr()).isZero();
    assertThat(client.configMaps().withName("kubectl-check").get().getData())
        .containsEntry("a", "1")
        .containsEntry("b", "2");
    String badModel =
        "apiVersion: modelforge.dev/v1alpha1\nkind: Model\nmetadata: {name: dry}\n"
            + "spec: {source: {uri: \"ftp://x/y\"}, storage: {size: 1Gi}}\n";
    var dryRun = kubectl.runWithInput(badModel, "apply", "--dry-run=server", "-f", "-");
    assertThat(dryRun.exitCode()).isNotZero();
    assertThat(dryRun.stderr()).contains("spec.source.uri");
  }

  @Test
  @Order(3)
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
    ProcessHandle trainer = cluster.jobProcess(Demo.NAMESPACE, "resumed-train").orElseThrow();
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

  /**
   * What Prometheus scrapes from a serving pod (through the PodMonitor): every series the shipped
   * serving dashboard queries, under vLLM's names and with the served model's name as a label.
   */
  @Test
  @Order(4)
  void theServingPodExportsEverySeriesItsDashboardQueries() throws Exception {
    String url = cluster.serviceUrl(Demo.NAMESPACE, Demo.SERVICE).orElseThrow();
    String scrape;
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      scrape = response.body();
    }
    Path dashboard = Launcher.home().resolve("config/grafana/modelforge-serving-dashboard.json");
    Set<String> queried =
        DashboardQueries.seriesNames(
            Serialization.jsonMapper().readTree(Files.readString(dashboard)));
    assertThat(queried)
        .contains(
            "vllm:time_to_first_token_seconds_bucket",
            "vllm:request_prefill_time_seconds_bucket",
            "vllm:lora_requests_info");
    assertThat(queried)
        .allSatisfy(
            series ->
                assertThat(scrape)
                    .as("the serving pod's /metrics exports " + series)
                    .containsPattern(
                        "(?m)^"
                            + Pattern.quote(series)
                            // vLLM's info series carry their own labels, not model_name
                            + (series.endsWith("_info") ? "\\{" : "\\{[^}]*model_name=")));
  }

  @Test
  @Order(5)
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
              assertThat(cluster.serviceUrl(Demo.NAMESPACE, Demo.SERVICE)).isEmpty();
              assertThat(
                      client
                          .pods()
                          .inNamespace(Demo.NAMESPACE)
                          .withLabel("app.kubernetes.io/instance", Demo.SERVICE)
                          .list()
                          .getItems())
                  .isEmpty();
            });
  }

  @Test
  @Order(6)
  void aModelTheServerRefusesOrTheOperatorCannotActOnSaysWhy() {
    // The schema refuses an unknown scheme outright (the API server's own validation).
    assertThatThrownBy(
            () ->
                apply(
                    MODELS,
                    """
                    apiVersion: modelforge.dev/v1alpha1
                    kind: Model
                    metadata: {name: nowhere}
                    spec:
                      source: {uri: "ftp://example.com/model"}
                      storage: {size: 1Gi}
                    """))
        .hasMessageContaining("spec.source.uri");
    // What the schema cannot say lands in status.
    apply(
        MODELS,
        """
        apiVersion: modelforge.dev/v1alpha1
        kind: Model
        metadata: {name: nowhere}
        spec:
          source: {uri: "hf://example/model"}
          storage: {size: "0"}
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
    assertThat(ready.path("message").asText()).contains("spec.storage.size '0'");
    assertThat(
            client.batch().v1().jobs().inNamespace(Demo.NAMESPACE).withName("nowhere-fetch").get())
        .as("an invalid spec creates nothing")
        .isNull();
  }

  /**
   * What Prometheus scrapes from the packaged operator, after the runs above: every series the
   * shipped Grafana dashboard queries is there, JOSDK's reconcile series included.
   */
  @Test
  @Order(7)
  void thePackagedOperatorExportsEverySeriesItsDashboardQueries() throws Exception {
    String health = cluster.operatorHealthUrl().orElseThrow();
    URI metrics = URI.create(health.replace("/q/health/ready", "/q/metrics"));
    String scrape;
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      scrape = response.body();
    }
    Path dashboard = Launcher.home().resolve("config/grafana/modelforge-operator-dashboard.json");
    Set<String> queried =
        DashboardQueries.seriesNames(
            Serialization.jsonMapper().readTree(Files.readString(dashboard)));
    assertThat(queried).contains("reconciliations_started_total", "reconciliations_failure_total");
    // JOSDK registers its failure counter at the first failed reconcile, which a healthy run
    // never has; MetricsIntegrationTest holds that name to JOSDK's own constant instead
    assertThat(queried)
        .filteredOn(series -> !series.equals("reconciliations_failure_total"))
        .allSatisfy(
            series ->
                assertThat(scrape)
                    .as("the operator's /q/metrics exports " + series)
                    .containsPattern("(?m)^" + Pattern.quote(series) + "[{ ]"));
    assertThat(scrape)
        .containsPattern("(?m)^reconciliations_success_total\\{[^}]*controller_name=\"model\"");
  }

  /**
   * Tokens and keys from Secrets stay secret: with a Model whose S3 keys a real store refuses and
   * an InferenceService behind an API key, neither value appears in any object's status, any Event,
   * any workload's spec (the pods read them by reference), any process's command line, any pod's or
   * the operator's log, or any error a client gets.
   */
  @Test
  @Order(8)
  void secretsNeverAppearInStatusEventsArgumentsLogsOrErrors() throws Exception {
    String storeSecret = "s3-secret-never-shown-7c1f9e";
    String apiKey = "sk-serving-key-never-shown-52ab0d";
    try (Minio store = Minio.start(state.resolve("minio"))) {
      client
          .secrets()
          .inNamespace(Demo.NAMESPACE)
          .resource(
              new io.fabric8.kubernetes.api.model.SecretBuilder()
                  .withNewMetadata()
                  .withName("store-keys")
                  .endMetadata()
                  .addToStringData("AWS_ACCESS_KEY_ID", "modelforge-fetch")
                  .addToStringData("AWS_SECRET_ACCESS_KEY", storeSecret)
                  .addToStringData("AWS_ENDPOINT_URL_S3", store.endpoint)
                  .addToStringData("AWS_REGION", "us-east-1")
                  .build())
          .create();
      client
          .secrets()
          .inNamespace(Demo.NAMESPACE)
          .resource(
              new io.fabric8.kubernetes.api.model.SecretBuilder()
                  .withNewMetadata()
                  .withName("serving-key")
                  .endMetadata()
                  .addToStringData("api-key", apiKey)
                  .build())
          .create();
      apply(
          MODELS,
          """
          apiVersion: modelforge.dev/v1alpha1
          kind: Model
          metadata: {name: refused}
          spec:
            source: {uri: "s3://weights/models/tiny", credentialsSecretRef: {name: store-keys}}
            storage: {size: 1Gi}
          """);
      apply(
          SERVICES,
          """
          apiVersion: modelforge.dev/v1alpha1
          kind: InferenceService
          metadata: {name: guarded}
          spec:
            model: {name: %s}
            apiKeySecretRef: {name: serving-key}
            replicas: {min: 1, max: 1}
          """
              .formatted(Demo.BASE));

      // the fetch pod's first try is refused (the Job retries it; its Failed phase comes later)
      await()
          .atMost(Duration.ofMinutes(2))
          .ignoreExceptions()
          .until(() -> podLogs("refused-fetch").contains("refused access"));
      await().atMost(Duration.ofMinutes(3)).until(() -> phase(SERVICES, "guarded").equals("Ready"));

      // the command lines of every process here, the serving pod's among them, while it runs
      assertThat(
              ProcessHandle.allProcesses()
                  .map(p -> p.info().commandLine().orElse(""))
                  .filter(c -> c.contains(storeSecret) || c.contains(apiKey))
                  .toList())
          .isEmpty();

      String url = cluster.serviceUrl(Demo.NAMESPACE, "guarded").orElseThrow();
      try (HttpClient http = HttpClient.newHttpClient()) {
        for (String key : new String[] {null, apiKey.substring(0, apiKey.length() - 1), apiKey}) {
          HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/v1/models"));
          if (key != null) {
            request.header("Authorization", "Bearer " + key);
          }
          HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as("key %s", key).isEqualTo(apiKey.equals(key) ? 200 : 401);
          assertThat(r.body() + r.headers().map()).doesNotContain(apiKey);
        }
      }

      Kubectl kubectl = Kubectl.of(cluster);
      var objects =
          kubectl.run(
              60,
              "get",
              "models,finetuningjobs,inferenceservices,deployments,jobs,pods,services,configmaps,events",
              "-A",
              "-o",
              "yaml");
      assertThat(objects.exitCode()).as(objects.stderr()).isZero();
      assertThat(objects.stdout())
          .contains("store-keys")
          .contains("serving-key")
          .doesNotContain(storeSecret)
          .doesNotContain(apiKey);
      StringBuilder logs = new StringBuilder();
      try (var files = Files.walk(state)) {
        for (Path f :
            files
                .filter(Files::isRegularFile)
                .filter(
                    f -> f.getFileName().toString().equals("log") || f.toString().endsWith(".log"))
                .filter(f -> !f.startsWith(state.resolve("minio")))
                .toList()) {
          logs.append(Files.readString(f, StandardCharsets.ISO_8859_1));
        }
      }
      assertThat(logs).contains("refused access").contains("guarded");
      assertThat(logs.toString()).doesNotContain(storeSecret).doesNotContain(apiKey);
    } finally {
      client
          .genericKubernetesResources(SERVICES)
          .inNamespace(Demo.NAMESPACE)
          .withName("guarded")
          .delete();
    }
  }

  /** The logs of every pod whose name starts with {@code prefix}, run after run. */
  private static String podLogs(String prefix) throws java.io.IOException {
    StringBuilder all = new StringBuilder();
    try (var pods = Files.list(state.resolve("pods").resolve(Demo.NAMESPACE))) {
      for (Path pod : pods.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        if (Files.isRegularFile(pod.resolve("log"))) {
          all.append(Files.readString(pod.resolve("log")));
        }
      }
    }
    return all.toString();
  }

  /** A MinIO server (built by .ci/minio/build.sh) that refuses keys it does not know. */
  private record Minio(Process process, String endpoint) implements AutoCloseable {
    static Minio start(Path data) throws Exception {
      String binary = System.getenv("MODELFORGE_MINIO");
      boolean available = binary != null && Files.isExecutable(Path.of(binary));
      if (!available && "true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI must run this against MinIO: export MODELFORGE_MINIO");
      }
      org.junit.jupiter.api.Assumptions.assumeTrue(available, "no MODELFORGE_MINIO");
      int port;
      try (var socket = new java.net.ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      Files.createDirectories(data);
      ProcessBuilder pb =
          new ProcessBuilder(binary, "server", data.toString(), "--address", "127.0.0.1:" + port)
              .redirectErrorStream(true)
              .redirectOutput(data.resolveSibling("minio-output").toFile());
      pb.environment().put("MINIO_ROOT_USER", "minio-root");
      pb.environment().put("MINIO_ROOT_PASSWORD", "minio-root-password");
      pb.environment().put("MINIO_BROWSER", "off");
      Minio minio = new Minio(pb.start(), "http://127.0.0.1:" + port);
      try (HttpClient http = HttpClient.newHttpClient()) {
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(
                () ->
                    http.send(
                                HttpRequest.newBuilder(
                                        URI.create(minio.endpoint + "/minio/health/live"))
                                    .build(),
                                HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                        == 200);
      }
      return minio;
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private static void apply(ResourceDefinitionContext kind, String yaml) {
    client
        .genericKubernetesResources(kind)
        .inNamespace(Demo.NAMESPACE)
        .resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class))
        .create();
  }
}
