package dev.modelforge.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.local.Demo;
import dev.modelforge.local.DemoStoryAssertions;
import dev.modelforge.local.Launcher;
import dev.modelforge.local.ServiceAccess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The demo's story on a real cluster: K3s in Docker, the project's runtime and operator images
 * built from their Containerfiles and imported into the node, the operator installed from config/
 * (kustomize, applied through the API), then the same Demo as on the local cluster, its
 * InferenceService reached through a port-forward. Skipped where Docker is absent. Needs about 2
 * CPUs and 6 GiB for the node: the shipped defaults give each workload 1 CPU and 4Gi.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sLifecycleTest {

  /** Pinned so the suite does not change under us; the minor matches the kubectl we test with. */
  static final DockerImageName K3S = DockerImageName.parse("rancher/k3s:v1.32.5-k3s1");

  static final String OPERATOR_NAMESPACE = "modelforge-system";
  static final String OPERATOR = "modelforge-operator";

  static final List<ProjectImage> IMAGES =
      List.of(
          new ProjectImage(Demo.RUNTIME_IMAGE, "runtime-image/src/main/container/Containerfile"),
          new ProjectImage(
              "ghcr.io/modelforge/operator:0.1.0", "operator/src/main/container/Containerfile"));

  @TempDir static Path work;
  static K3sContainer node;
  static KubernetesClient client;
  static final List<LocalPortForward> forwards = new ArrayList<>();

  @BeforeAll
  static void startK3sWithTheOperator() throws Exception {
    Path home = Launcher.home();
    for (ProjectImage image : IMAGES) {
      image.build(home);
    }
    node = new K3sContainer(K3S);
    node.start();
    for (ProjectImage image : IMAGES) {
      image.importInto(node, work);
    }
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(node.getKubeConfigYaml()))
            .build();
    installOperator(home);
  }

  @AfterAll
  static void stop() throws IOException {
    for (LocalPortForward forward : forwards) {
      forward.close();
    }
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.stop();
    }
  }

  /**
   * {@code kubectl apply -k config/default} done the test's way: kustomize runs in the node (K3s
   * ships kubectl), the objects go through the Fabric8 client. config/default has no ServiceMonitor
   * (config/monitoring adds it), so a cluster without the Prometheus Operator takes all of it.
   */
  static void installOperator(Path home) throws IOException, InterruptedException {
    node.copyFileToContainer(
        MountableFile.forHostPath(home.resolve("config")), "/tmp/modelforge/config");
    node.copyFileToContainer(
        MountableFile.forHostPath(home.resolve("crds")), "/tmp/modelforge/crds");
    ExecResult built =
        node.execInContainer("k3s", "kubectl", "kustomize", "/tmp/modelforge/config/default");
    assertThat(built.getExitCode()).as("kustomize config/default: %s", built.getStderr()).isZero();
    List<HasMetadata> objects =
        new ArrayList<>(
            client
                .load(new ByteArrayInputStream(built.getStdout().getBytes(StandardCharsets.UTF_8)))
                .items());
    client.resourceList(objects).serverSideApply();
    // The account fetch and training pods run as, in the namespace the demo uses.
    try (InputStream account =
        Files.newInputStream(home.resolve("config/samples/workload-serviceaccount.yaml"))) {
      client.load(account).inNamespace(Demo.NAMESPACE).serverSideApply();
    }
    client
        .apps()
        .deployments()
        .inNamespace(OPERATOR_NAMESPACE)
        .withName(OPERATOR)
        .waitUntilReady(5, TimeUnit.MINUTES);
  }

  /** What a person debugging a failed run looks at first: every pod, and the operator's log. */
  static void printWhatTheClusterShows() throws IOException, InterruptedException {
    System.out.println(
        node.execInContainer("k3s", "kubectl", "get", "pods,jobs,pvc", "-A", "-o", "wide")
            .getStdout());
    System.out.println(
        client
            .apps()
            .deployments()
            .inNamespace(OPERATOR_NAMESPACE)
            .withName(OPERATOR)
            .tailingLines(100)
            .getLog());
  }

  @Test
  void theFineTunedAdapterServedByTheClusterAnswersHeldOutProblemsBetterThanItsBase()
      throws Exception {
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    ServiceAccess portForward =
        (c, namespace, service) -> {
          // Fabric8 forwards to a ready pod behind the Service, on the same port number: 8000 is
          // the server's container port and the Service's port (the operator's ServingWorkload).
          LocalPortForward forward =
              c.services().inNamespace(namespace).withName(service).portForward(8000);
          forwards.add(forward);
          return "http://127.0.0.1:" + forward.getLocalPort();
        };

    Demo.Result result;
    try {
      result =
          new Demo(client, new PrintStream(shown, true, StandardCharsets.UTF_8), portForward).run();
    } catch (RuntimeException e) {
      printWhatTheClusterShows();
      throw e;
    } finally {
      System.out.println(shown.toString(StandardCharsets.UTF_8));
    }

    DemoStoryAssertions.assertStoryFinished(client, result);
    List<Pod> servers =
        client.pods().inNamespace(Demo.NAMESPACE).list().getItems().stream()
            .filter(p -> p.getMetadata().getName().startsWith(Demo.SERVICE + "-"))
            .toList();
    assertThat(servers).as("the InferenceService's pods").hasSize(1);
    Pod server = servers.getFirst();
    assertThat(server.getSpec().getContainers().getFirst().getImage())
        .isEqualTo(Demo.RUNTIME_IMAGE);
    assertThat(server.getStatus().getContainerStatuses().getFirst().getReady()).isTrue();
  }
}
