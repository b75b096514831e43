package dev.modelforge.operator.cluster;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd (Fabric8 kube-api-test, binaries from e2e/control-plane) under the
 * operator in a {@code @QuarkusTest}: the committed CRDs and the shipped RBAC are applied as they
 * are, and the operator authenticates as its ServiceAccount, so the server's schema validation, CEL
 * rules, server-side apply and authorization all apply to it. Tests act as the cluster admin
 * through {@link #admin()}.
 *
 * <p>One server serves the whole test JVM: Quarkus restarts the application between test profiles,
 * the server stays, and each test class works in namespaces of its own.
 */
public class RealApiServer implements QuarkusTestResourceLifecycleManager {
  /** Where config/rbac puts the operator: its ServiceAccount, Role and Lease live here. */
  public static final String OPERATOR_NAMESPACE = "modelforge-system";

  public static final String OPERATOR_SERVICE_ACCOUNT = "modelforge-operator";

  private static KubeAPIServer server;
  private static KubernetesClient admin;
  private static Map<String, String> operatorClientConfig;

  @Override
  public Map<String, String> start() {
    return startOnce();
  }

  @Override
  public void stop() {
    // The server outlives each application start; a shutdown hook stops it with the JVM.
  }

  /** The cluster admin's client (system:masters), for arranging and checking what tests need. */
  public static synchronized KubernetesClient admin() {
    startOnce();
    return admin;
  }

  /**
   * Creates the namespace if it is missing, with the workload pods' ServiceAccount as the README
   * has users create it; Pod Security's restricted level is enforced in it.
   */
  public static void namespace(String name) {
    namespaceWithoutWorkloadAccount(name);
    admin()
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("modelforge-workload")
                .withNamespace(name)
                .endMetadata()
                .build())
        .serverSideApply();
  }

  /** A namespace as a user makes it before following the README: no workload ServiceAccount. */
  public static void namespaceWithoutWorkloadAccount(String name) {
    admin()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata()
                .build())
        .serverSideApply();
  }

  /** A client that authenticates as the given ServiceAccount, with a token from TokenRequest. */
  public static KubernetesClient clientAs(String namespace, String serviceAccount) {
    Config base = adminConfig();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(base.getMasterUrl())
            .withCaCertFile(base.getCaCertFile())
            .withOauthToken(token(namespace, serviceAccount))
            .withNamespace(namespace)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static synchronized Map<String, String> startOnce() {
    if (server == null) {
      var binaries = ControlPlaneBinaries.locate();
      var started =
          new KubeAPIServer(
              KubeAPIServerConfigBuilder.anAPIServerConfig()
                  .withTestDir(binaries.kubeApiTestDir().toString())
                  .withApiServerVersion(binaries.kubernetesVersion())
                  // OpenShift's check: an owner reference that blocks the owner's deletion needs
                  // update on the owner's finalizers, so the shipped roles must grant it.
                  .withApiServerFlag(
                      "--enable-admission-plugins", "OwnerReferencesPermissionEnforcement")
                  .withStartupTimeout(180_000)
                  .build());
      try {
        started.start();
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "kube-api-test could not start Kubernetes "
                + binaries.kubernetesVersion()
                + " from "
                + binaries.folder(),
            e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "kube-api-test-stop"));
      server = started;
      admin =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(started.getKubeConfigYaml()))
              .build();
      installCommittedCrds(binaries.repositoryRoot().resolve("crds"));
      installShippedRbac(binaries.repositoryRoot().resolve("config").resolve("rbac"));
      operatorClientConfig = operatorClientConfig();
    }
    return operatorClientConfig;
  }

  private static Config adminConfig() {
    return admin.getConfiguration();
  }

  private static void installCommittedCrds(Path folder) {
    for (Path file : yamlFiles(folder)) {
      for (HasMetadata item : load(file)) {
        if (item instanceof CustomResourceDefinition crd) {
          admin.resource(crd).serverSideApply();
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
  }

  private static void installShippedRbac(Path folder) {
    namespace(OPERATOR_NAMESPACE);
    for (Path file : yamlFiles(folder)) {
      for (HasMetadata item : load(file)) {
        admin.resource(item).serverSideApply();
      }
    }
  }

  private static Map<String, String> operatorClientConfig() {
    Config base = adminConfig();
    var config = new HashMap<String, String>();
    config.put("quarkus.kubernetes-client.api-server-url", base.getMasterUrl());
    config.put("quarkus.kubernetes-client.ca-cert-file", base.getCaCertFile());
    config.put(
        "quarkus.kubernetes-client.token", token(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT));
    config.put("quarkus.kubernetes-client.namespace", OPERATOR_NAMESPACE);
    config.put("quarkus.kubernetes-client.devservices.enabled", "false");
    // Quarkus stops the application between test profiles and JOSDK stops leading then; the test
    // JVM must outlive that (a deployed operator exits, as it should).
    config.put("modelforge.leader-election.exit-on-stop-leading", "false");
    return config;
  }

  private static String token(String namespace, String serviceAccount) {
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(24 * 3600L)
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  private static List<Path> yamlFiles(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<HasMetadata> load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return admin.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
