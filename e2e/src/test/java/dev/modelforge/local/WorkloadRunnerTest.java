package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.engine.train.ArithmeticTask;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner against Fabric8's API server in CRUD mode, with the real {@code bin/modelforge}: Jobs
 * run to completion or to their backoff limit, a Deployment's replica becomes ready and its Service
 * forwards to it, and objects whose owner is deleted follow it.
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadRunnerTest {

  static final String RUNTIME = "/opt/modelforge/bin/modelforge";
  KubernetesClient client;
  @TempDir Path state;
  private WorkloadRunner runner;
  private final List<String> log = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    Path kubeconfig =
        Kubeconfig.write(state.resolve("kubeconfig"), client.getMasterUrl().toString());
    runner =
        new WorkloadRunner(
                client,
                state,
                Launcher.find(),
                RUNTIME,
                kubeconfig,
                line -> {
                  synchronized (log) {
                    log.add(line);
                  }
                })
            .start();
    client
        .persistentVolumeClaims()
        .inNamespace("ml")
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("shared")
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
  }

  @AfterEach
  void stop() {
    runner.close();
    synchronized (log) {
      log.forEach(line -> System.out.println("runner: " + line));
    }
  }

  private static Container runtime(String name, String... args) {
    return new ContainerBuilder()
        .withName(name)
        .withImage("modelforge/runtime")
        .withCommand(RUNTIME)
        .withArgs(args)
        .addNewVolumeMount()
        .withName("data")
        .withMountPath("/data")
        .endVolumeMount()
        .build();
  }

  private static PodTemplateSpec pod(Container c, Map<String, String> labels) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy(labels.isEmpty() ? "Never" : "Always")
        .addToContainers(c)
        .addNewVolume()
        .withName("data")
        .withNewPersistentVolumeClaim("shared", false)
        .endVolume()
        .endSpec()
        .build();
  }

  private Job job(String name, int backoffLimit, Container c) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace("ml")
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(backoffLimit)
                .withTemplate(pod(c, Map.of()))
                .endSpec()
                .build())
        .create();
  }

  private Job jobNow(String name) {
    return client.batch().v1().jobs().inNamespace("ml").withName(name).get();
  }

  private boolean hasCondition(String job, String type) {
    Job j = jobNow(job);
    return j.getStatus() != null
        && j.getStatus().getConditions() != null
        && j.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True"));
  }

  @Test
  void aJobRunsTheRuntimeWithItsVolumesAndSucceeds() {
    Job created =
        job("init", 0, runtime("init", "init", "--preset", "tiny", "--out", "/data/tiny"));

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Job j = jobNow("init");
              assertThat(j.getStatus()).isNotNull();
              assertThat(j.getStatus().getSucceeded()).isEqualTo(1);
            });
    Job done = jobNow("init");
    assertThat(done.getStatus().getConditions())
        .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True"));
    assertThat(done.getStatus().getCompletionTime()).isNotNull();
    assertThat(runner.claimFolder("ml", "shared").resolve("tiny/config.json")).exists();
    assertThat(
            client
                .persistentVolumeClaims()
                .inNamespace("ml")
                .withName("shared")
                .get()
                .getStatus()
                .getPhase())
        .isEqualTo("Bound");
    assertThat(created.getMetadata().getUid()).isNotNull();
  }

  @Test
  void aFailingJobIsRetriedUpToItsBackoffLimitAndThenFailsWithTheLastError() {
    job(
        "broken",
        1,
        runtime("fetch", "fetch", "--source", "gopher://bucket/x", "--dest", "/data/x"));

    await().atMost(Duration.ofSeconds(60)).until(() -> hasCondition("broken", "Failed"));
    Job failed = jobNow("broken");
    assertThat(failed.getStatus().getFailed()).isEqualTo(2);
    assertThat(
            failed.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Failed"))
                .findFirst()
                .orElseThrow()
                .getMessage())
        .contains("backoff limit")
        .contains("unknown scheme 'gopher'");
  }

  @Test
  void aDeploymentBecomesReadyBehindItsServiceAndGoesWithItsOwner() throws Exception {
    Path model = runner.claimFolder("ml", "shared").resolve("tiny");
    ArithmeticTask.writeTokenizer(runner.claimFolder("ml", "shared").resolve("tok"));
    Job init =
        job(
            "init",
            0,
            runtime(
                "init",
                "init",
                "--preset",
                "tiny",
                "--tokenizer",
                "/data/tok",
                "--out",
                "/data/tiny"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                jobNow("init").getStatus() != null
                    && jobNow("init").getStatus().getSucceeded() != null);
    assertThat(model.resolve("config.json")).exists();

    Container server =
        new ContainerBuilder(
                runtime(
                    "server", "serve", "--model", "/data/tiny", "--port", "8000", "--threads", "1"))
            .addNewPort()
            .withName("http")
            .withContainerPort(8000)
            .endPort()
            .withNewReadinessProbe()
            .withNewHttpGet()
            .withPath("/health/ready")
            .withPort(new IntOrString("http"))
            .endHttpGet()
            .endReadinessProbe()
            .build();
    Map<String, String> labels = Map.of("app", "tiny");
    Deployment d =
        client
            .apps()
            .deployments()
            .inNamespace("ml")
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName("tiny")
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(1)
                    .withNewSelector()
                    .withMatchLabels(labels)
                    .endSelector()
                    .withTemplate(pod(server, labels))
                    .endSpec()
                    .build())
            .create();
    client
        .services()
        .inNamespace("ml")
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("tiny")
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName("tiny")
                .withUid(d.getMetadata().getUid())
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withSelector(labels)
                .addNewPort()
                .withPort(8000)
                .withTargetPort(new IntOrString(8000))
                .endPort()
                .endSpec()
                .build())
        .create();
    client
        .configMaps()
        .inNamespace("ml")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("init-progress")
                .addNewOwnerReference()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName("init")
                .withUid(init.getMetadata().getUid())
                .endOwnerReference()
                .endMetadata()
                .addToData("progress.json", "{}")
                .build())
        .create();

    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              Deployment now = client.apps().deployments().inNamespace("ml").withName("tiny").get();
              assertThat(now.getStatus()).isNotNull();
              assertThat(now.getStatus().getReadyReplicas()).isEqualTo(1);
            });
    int port = runner.servicePort("ml", "tiny").orElseThrow();
    assertThat(
            client
                .services()
                .inNamespace("ml")
                .withName("tiny")
                .get()
                .getStatus()
                .getLoadBalancer()
                .getIngress()
                .getFirst()
                .getPorts()
                .getFirst()
                .getPort())
        .isEqualTo(port);
    HttpResponse<String> models =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(models.statusCode()).isEqualTo(200);
    assertThat(models.body()).contains("\"tiny\"");

    client.batch().v1().jobs().inNamespace("ml").withName("init").delete();
    client.apps().deployments().inNamespace("ml").withName("tiny").delete();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(client.services().inNamespace("ml").withName("tiny").get()).isNull();
              assertThat(client.configMaps().inNamespace("ml").withName("init-progress").get())
                  .isNull();
              assertThat(runner.servicePort("ml", "tiny")).isEmpty();
            });
    assertThat(Files.exists(model)).as("a claim's data outlives the pods").isTrue();
  }
}
