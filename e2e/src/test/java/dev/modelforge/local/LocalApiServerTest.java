package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kubectl 1.32 and the Fabric8 client against the local API server with ModelForge's CRDs. */
class LocalApiServerTest {

  static LocalApiServer api;
  static Path kubeconfig;
  @TempDir static Path dir;

  @BeforeAll
  static void start() throws IOException {
    api = LocalApiServer.start(0);
    api.installCrds(Launcher.home().resolve("crds"));
    kubeconfig = Kubeconfig.write(dir.resolve("kubeconfig"), api.url());
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  record Run(int code, String out) {}

  /** Runs kubectl with a deadline, so that a hang fails the test instead of the build. */
  static Run kubectl(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("kubectl", "--request-timeout=20s"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(40, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " hung");
    }
    return new Run(
        p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  static boolean hasKubectl() {
    try {
      return new ProcessBuilder("kubectl", "version", "--client")
          .start()
          .waitFor(20, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static final String MODEL =
      """
      apiVersion: modelforge.dev/v1alpha1
      kind: Model
      metadata: {name: tiny}
      spec:
        source: {uri: "hf://acme/tiny"}
        storage: {size: %s}
      """;

  @Test
  void kubectlAppliesGetsPatchesLabelsAndDeletesAModel() throws Exception {
    assumeThat(hasKubectl()).as("kubectl on PATH").isTrue();

    Run created = kubectl(MODEL.formatted("1Gi"), "apply", "-f", "-");
    assertThat(created.code()).as(created.out()).isZero();
    assertThat(created.out()).contains("model.modelforge.dev/tiny created");

    Run uri = kubectl(null, "get", "model", "tiny", "-o", "jsonpath={.spec.source.uri}");
    assertThat(uri.out()).isEqualTo("hf://acme/tiny");

    Run updated = kubectl(MODEL.formatted("2Gi"), "apply", "-f", "-");
    assertThat(updated.code()).as(updated.out()).isZero();
    assertThat(kubectl(null, "get", "model", "tiny", "-o", "jsonpath={.spec.storage.size}").out())
        .isEqualTo("2Gi");

    assertThat(kubectl(null, "label", "model", "tiny", "team=ml").code()).isZero();
    Run patched =
        kubectl(
            null,
            "patch",
            "model",
            "tiny",
            "--type=merge",
            "-p",
            "{\"spec\":{\"storage\":{\"size\":\"3Gi\"}}}");
    assertThat(patched.code()).as(patched.out()).isZero();
    GenericKubernetesResource seen =
        api.client()
            .genericKubernetesResources(Demo.crd("Model", "models"))
            .inNamespace("default")
            .withName("tiny")
            .get();
    assertThat(seen.getMetadata().getLabels()).containsEntry("team", "ml");

    Run table = kubectl(null, "get", "models,finetuningjobs,inferenceservices");
    assertThat(table.out()).contains("PHASE").contains("tiny");
    assertThat(kubectl(null, "get", "jobs,deployments,configmaps,pvc").code()).isZero();

    Run deleted = kubectl(null, "delete", "model", "tiny");
    assertThat(deleted.out()).contains("deleted");
    assertThat(kubectl(null, "get", "models").out()).contains("No resources found");
  }

  @Test
  void informersSeeCustomResourcesCreatedThroughTheApi() throws Exception {
    CountDownLatch added = new CountDownLatch(1);
    var models =
        api.client().genericKubernetesResources(Demo.crd("Model", "models")).inNamespace("watched");
    try (var watch =
        models.watch(
            new Watcher<GenericKubernetesResource>() {
              @Override
              public void eventReceived(Action action, GenericKubernetesResource r) {
                if (action == Action.ADDED && r.getMetadata().getName().equals("seen")) {
                  added.countDown();
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            })) {
      models
          .resource(
              io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                  MODEL.formatted("1Gi").replace("name: tiny", "name: seen"),
                  GenericKubernetesResource.class))
          .create();
      assertThat(added.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void ageColumnsReadLikeTheApiServers() {
    String now = java.time.Instant.now().minusSeconds(75).toString();
    assertThat(LocalApiServer.Discovery.age(now)).isEqualTo("75s");
    assertThat(
            LocalApiServer.Discovery.age(
                java.time.Instant.now().minusSeconds(3 * 3600 + 120).toString()))
        .isEqualTo("3h2m");
  }
}
