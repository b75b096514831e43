package dev.modelforge.local;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The real Kubernetes control plane of the local cluster: etcd and kube-apiserver (started by
 * Fabric8 kube-api-test), kube-controller-manager and kube-scheduler, all from the pinned binaries
 * that {@code e2e/control-plane/build.sh} puts in place (it builds them on first use). The real
 * controllers run Jobs, Deployments, ReplicaSets, EndpointSlices, volume binding and garbage
 * collection; the {@link NodeAgent} plays the kubelet.
 */
final class ControlPlane implements AutoCloseable {

  private final KubeAPIServer apiServer;
  private final List<Process> controllers;
  private final KubernetesClient admin;
  private final Config adminConfig;
  private final Path adminKubeconfig;
  private final Path binaries;
  private final String version;

  private ControlPlane(
      KubeAPIServer apiServer,
      List<Process> controllers,
      KubernetesClient admin,
      Path adminKubeconfig,
      Path binaries,
      String version) {
    this.apiServer = apiServer;
    this.controllers = controllers;
    this.admin = admin;
    this.adminConfig = admin.getConfiguration();
    this.adminKubeconfig = adminKubeconfig;
    this.binaries = binaries;
    this.version = version;
  }

  /** The folder holding the pinned binaries; builds them first if they are missing. */
  static Path binaries(Path home, Consumer<String> log) throws IOException, InterruptedException {
    Path script = home.resolve("e2e/control-plane/build.sh");
    Process build = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
    try (var lines = build.inputReader(StandardCharsets.UTF_8).lines()) {
      lines.forEach(log);
    }
    if (build.waitFor() != 0) {
      throw new IllegalStateException(
          "the control-plane binaries could not be built (" + script + "); see the lines above");
    }
    Process print = new ProcessBuilder("bash", script.toString(), "--print").start();
    String folder = new String(print.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    print.waitFor();
    return Path.of(folder.strip());
  }

  static ControlPlane start(Path home, Path stateDir, Consumer<String> log)
      throws IOException, InterruptedException {
    Path binaries = binaries(home, log);
    String folder = binaries.getFileName().toString(); // e.g. 1.34.4-linux-amd64
    String version = folder.substring(0, folder.indexOf('-'));
    var apiServer =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(binaries.getParent().getParent().toString())
                .withApiServerVersion(version)
                .withOfflineMode(true)
                .withApiServerFlag(
                    "--enable-admission-plugins", "OwnerReferencesPermissionEnforcement")
                .withStartupTimeout(180_000)
                .build());
    apiServer.start();
    Path kubeconfig = stateDir.resolve("admin.kubeconfig");
    Files.createDirectories(stateDir.resolve("logs"));
    Kubeconfig.restrict(Files.writeString(kubeconfig, apiServer.getKubeConfigYaml()));
    KubernetesClient admin =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml()))
            .build();
    List<Process> controllers = new ArrayList<>();
    try {
      controllers.add(
          run(
              binaries.resolve("kube-controller-manager"),
              stateDir.resolve("logs/kube-controller-manager.log"),
              "--kubeconfig=" + kubeconfig,
              "--leader-elect=false",
              "--secure-port=0",
              "--use-service-account-credentials=false",
              "--root-ca-file=" + admin.getConfiguration().getCaCertFile(),
              "--cluster-name=modelforge-local",
              // Legacy token Secrets need a signing key; pods get bound tokens from the node agent.
              "--controllers=*,-serviceaccount-token",
              "--concurrent-gc-syncs=5"));
      controllers.add(
          run(
              binaries.resolve("kube-scheduler"),
              stateDir.resolve("logs/kube-scheduler.log"),
              "--kubeconfig=" + kubeconfig,
              "--leader-elect=false",
              "--secure-port=0"));
    } catch (IOException | RuntimeException e) {
      controllers.forEach(Process::destroyForcibly);
      apiServer.stop();
      throw e;
    }
    log.accept(
        "control plane: Kubernetes "
            + version
            + " (etcd, kube-apiserver, kube-controller-manager, kube-scheduler from "
            + binaries
            + ")");
    return new ControlPlane(apiServer, controllers, admin, kubeconfig, binaries, version);
  }

  private static Process run(Path binary, Path log, String... flags) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(flags));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** The Kubernetes release, e.g. 1.34.4. */
  String version() {
    return version;
  }

  KubernetesClient admin() {
    return admin;
  }

  /** The API server's URL, e.g. https://127.0.0.1:PORT/ as the kubeconfig names it. */
  String url() {
    return adminConfig.getMasterUrl();
  }

  int port() {
    return java.net.URI.create(url()).getPort();
  }

  String caCertFile() {
    return adminConfig.getCaCertFile();
  }

  Path adminKubeconfig() {
    return adminKubeconfig;
  }

  Path kubectl() {
    return binaries.resolve("kubectl");
  }

  /** Whether every controller process still runs. */
  boolean controllersAlive() {
    return controllers.stream().allMatch(Process::isAlive);
  }

  /**
   * A token of the ServiceAccount from the TokenRequest API, as the kubelet gets one for a pod's
   * projected volume; {@code pod} (name, uid) binds it so it dies with the pod.
   */
  String token(
      String namespace, String serviceAccount, String podName, String podUid, Duration ttl) {
    var spec = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(ttl.toSeconds());
    if (podName != null) {
      spec =
          spec.withNewBoundObjectRef()
              .withApiVersion("v1")
              .withKind("Pod")
              .withName(podName)
              .withUid(podUid)
              .endBoundObjectRef();
    }
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(spec.endSpec().build())
        .getStatus()
        .getToken();
  }

  /** A kubeconfig that authenticates with {@code token}, in {@code namespace} by default. */
  Path kubeconfigFor(Path file, String token, String namespace) throws IOException {
    return Kubeconfig.write(file, url(), caCertFile(), token, namespace);
  }

  @Override
  public void close() {
    for (Process p : controllers) {
      p.destroy();
    }
    for (Process p : controllers) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    admin.close();
    try {
      apiServer.stop();
    } catch (KubeAPITestException e) {
      // etcd and the API server are stopped by then; only removing etcd's temporary data failed
      System.err.println("[local] control plane stopped; etcd's temporary data: " + e.getMessage());
    }
  }
}
