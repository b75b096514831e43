package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * ModelForge's cluster on one machine: the real control plane ({@link ControlPlane}), the node
 * agent in the kubelet's place ({@link NodeAgent}), and the packaged operator as its own process,
 * installed as a user installs it: the committed CRDs, the shipped RBAC (config/rbac), the operator
 * authenticated as its ServiceAccount, and the workload namespace prepared as config/samples says
 * (its ServiceAccount, and Pod Security's restricted level enforced). Everything it keeps (volumes,
 * pods' folders and logs, the components' logs) lives under the state folder.
 */
public final class LocalCluster implements AutoCloseable {

  /** The command the operator puts in pod templates by default (modelforge.runtime.command). */
  static final String RUNTIME_COMMAND = "/opt/modelforge/bin/modelforge";

  /** The namespace the demo and `kubectl` use by default. */
  static final String WORKLOAD_NAMESPACE = "default";

  static final String OPERATOR_NAMESPACE = "modelforge-system";
  static final String OPERATOR_ACCOUNT = "modelforge-operator";

  private final ControlPlane controlPlane;
  private final OperatorProcess operator;
  private final NodeAgent node;
  private final Path stateDir;

  private LocalCluster(
      ControlPlane controlPlane, OperatorProcess operator, NodeAgent node, Path stateDir) {
    this.controlPlane = controlPlane;
    this.operator = operator;
    this.node = node;
    this.stateDir = stateDir;
  }

  /** Starts the cluster; returns once the operator is up. */
  public static LocalCluster start(Path stateDir, Consumer<String> log)
      throws IOException, InterruptedException {
    Path home = Launcher.home();
    Files.createDirectories(stateDir.resolve("logs"));
    ControlPlane controlPlane = ControlPlane.start(home, stateDir, log);
    OperatorProcess operator = null;
    NodeAgent node = null;
    try {
      KubernetesClient admin = controlPlane.admin();
      installCrds(admin, home.resolve("crds"));
      applyAll(admin, home.resolve("config/rbac"));
      prepareWorkloadNamespace(admin, home);
      log.accept("API server at " + controlPlane.url() + ": CRDs and RBAC installed");
      node =
          new NodeAgent(
                  controlPlane,
                  stateDir,
                  Launcher.find(),
                  RUNTIME_COMMAND,
                  "v" + controlPlane.version(),
                  log)
              .start();
      Path operatorKubeconfig =
          controlPlane.kubeconfigFor(
              stateDir.resolve("operator.kubeconfig"),
              controlPlane.token(
                  OPERATOR_NAMESPACE, OPERATOR_ACCOUNT, null, null, Duration.ofDays(30)),
              OPERATOR_NAMESPACE);
      operator =
          OperatorProcess.start(
              home, operatorKubeconfig, OPERATOR_NAMESPACE, stateDir.resolve("logs/operator.log"));
      operator.awaitStarted(Duration.ofMinutes(2));
      log.accept("operator started (log " + operator.log() + ")");
      return new LocalCluster(controlPlane, operator, node, stateDir);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (operator != null) {
        operator.close();
      }
      if (node != null) {
        node.close();
      }
      controlPlane.close();
      throw e;
    }
  }

  private static void installCrds(KubernetesClient admin, Path folder) throws IOException {
    for (HasMetadata item : load(admin, folder)) {
      if (item instanceof CustomResourceDefinition crd) {
        admin.resource(crd).forceConflicts().serverSideApply();
        admin
            .resource(crd)
            .waitUntilCondition(
                c ->
                    c != null
                        && c.getStatus() != null
                        && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream()
                            .anyMatch(
                                k ->
                                    "Established".equals(k.getType())
                                        && "True".equals(k.getStatus())),
                60,
                TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The namespace as config/samples prepares one (its ServiceAccount and the reporter binding),
   * with Pod Security's restricted level enforced, so every Pod the operator makes is checked.
   */
  private static void prepareWorkloadNamespace(KubernetesClient admin, Path home)
      throws IOException {
    Namespace ns =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName(WORKLOAD_NAMESPACE)
            .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
            .addToLabels("pod-security.kubernetes.io/warn", "restricted")
            .endMetadata()
            .build();
    admin.resource(ns).forceConflicts().serverSideApply();
    try (InputStream in =
        Files.newInputStream(home.resolve("config/samples/workload-serviceaccount.yaml"))) {
      for (HasMetadata item : admin.load(in).items()) {
        item.getMetadata().setNamespace(WORKLOAD_NAMESPACE);
        admin.resource(item).forceConflicts().serverSideApply();
      }
    }
  }

  /** What `kubectl apply -f FOLDER` does, creating the namespaces the objects name. */
  private static void applyAll(KubernetesClient admin, Path folder) throws IOException {
    for (HasMetadata item : load(admin, folder)) {
      if (item.getMetadata().getNamespace() != null) {
        admin
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(item.getMetadata().getNamespace())
                    .endMetadata()
                    .build())
            .serverSideApply();
      }
      admin.resource(item).forceConflicts().serverSideApply();
    }
  }

  private static List<HasMetadata> load(KubernetesClient admin, Path folder) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(folder)) {
      files =
          list.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
              .sorted()
              .toList();
    }
    List<HasMetadata> items = new java.util.ArrayList<>();
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        items.addAll(admin.load(in).items());
      }
    }
    return items;
  }

  /** The cluster admin's client (system:masters), as `kubectl` with the printed kubeconfig. */
  public KubernetesClient client() {
    return controlPlane.admin();
  }

  public String apiUrl() {
    return controlPlane.url();
  }

  /** The admin kubeconfig, for kubectl. */
  public Path kubeconfig() {
    return controlPlane.adminKubeconfig();
  }

  public Path kubectl() {
    return controlPlane.kubectl();
  }

  public Path stateDir() {
    return stateDir;
  }

  /** The localhost URL of a Service's first port, once the node agent proxies it. */
  public Optional<String> serviceUrl(String namespace, String name) {
    return node.serviceUrl(namespace, name);
  }

  /** The running process of a Job's current pod. */
  public Optional<ProcessHandle> jobProcess(String namespace, String job) {
    return node.jobProcess(namespace, job);
  }

  public boolean operatorAlive() {
    return operator.alive();
  }

  /** The operator's readiness endpoint, once its log has named its port. */
  public Optional<String> operatorHealthUrl() {
    return operator.healthUrl();
  }

  public boolean controllersAlive() {
    return controlPlane.controllersAlive();
  }

  @Override
  public void close() {
    operator.close();
    node.close();
    controlPlane.close();
  }
}
