package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionConditionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionStatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;

/**
 * The API server of ModelForge's local cluster, in place of kube-apiserver on a laptop or CI box:
 * Fabric8's mock server in CRUD mode on 127.0.0.1 over plain HTTP, behind {@link
 * LocalApiDispatcher} so that kubectl can discover kinds and print tables. The operator and kubectl
 * reach it through {@link #writeKubeconfig(Path)}; see e2e/README.md for what it cannot do.
 */
public final class LocalApiServer implements AutoCloseable {

  /** The name of the kubeconfig's cluster, user and context. */
  public static final String NAME = "modelforge-local";

  public static final String DEFAULT_NAMESPACE = "default";

  private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private LocalApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = new KubernetesClientBuilder().withConfig(clientConfig()).build();
  }

  /**
   * Starts a server on 127.0.0.1.
   *
   * @param port the port to listen on; 0 picks a free one (see {@link #port()})
   */
  public static LocalApiServer start(int port) {
    // The mock server logs every request at INFO; the local cluster's own log says what matters.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    LocalApiDispatcher dispatcher =
        new LocalApiDispatcher(new KubernetesCrudDispatcher(), Clock.systemUTC());
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    try {
      server.start(LOOPBACK, port);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "The local API server cannot listen on %s:%d (%s); pick another port, or 0 for a free one"
              .formatted(LOOPBACK.getHostAddress(), port, rootCause(e).getMessage()),
          e);
    }
    LocalApiServer local = new LocalApiServer(server);
    try {
      local.createNamespace(DEFAULT_NAMESPACE);
    } catch (RuntimeException e) {
      local.close();
      throw e;
    }
    return local;
  }

  /** The base URL, such as {@code http://127.0.0.1:40123}. */
  public String url() {
    return "http://" + LOOPBACK.getHostAddress() + ":" + server.getPort();
  }

  public int port() {
    return server.getPort();
  }

  /** A client of this server in the default namespace; closed with the server. */
  public KubernetesClient client() {
    return client;
  }

  /**
   * Creates (or updates) every CustomResourceDefinition in the {@code *.yml} and {@code *.yaml}
   * files of a folder, such as the repository's {@code crds/}; other documents there are skipped.
   * Discovery serves their kinds from then on.
   *
   * @return the CRDs as stored
   * @throws IllegalArgumentException when the folder holds no CRD
   */
  public List<CustomResourceDefinition> installCrds(Path dir) throws IOException {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (Path file : yamlFiles(dir)) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata item : client.load(in).items()) {
          if (item instanceof CustomResourceDefinition crd) {
            crds.add(crd);
          }
        }
      }
    }
    if (crds.isEmpty()) {
      throw new IllegalArgumentException(
          "No CustomResourceDefinition in the *.yml/*.yaml files of "
              + dir.toAbsolutePath()
              + "; point installCrds at the repository's crds/ folder");
    }
    List<CustomResourceDefinition> stored = new ArrayList<>();
    for (CustomResourceDefinition crd : crds) {
      stored.add(
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .resource(established(crd))
              .createOr(NonDeletingOperation::update));
    }
    return stored;
  }

  /**
   * Writes a kubeconfig whose cluster, user and context are named {@value #NAME}, with the {@value
   * #DEFAULT_NAMESPACE} namespace, for kubectl ({@code KUBECONFIG=file}) and the operator.
   */
  public void writeKubeconfig(Path file) throws IOException {
    Kubeconfig.write(file, url());
  }

  /** Closes the client and stops the server; open watches end. */
  @Override
  public void close() {
    client.close();
    server.shutdown();
  }

  /** Like kube-apiserver, which creates {@code default} at startup; the store starts empty. */
  private void createNamespace(String name) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewStatus()
                .withPhase("Active")
                .endStatus()
                .build())
        .create();
  }

  private Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withNamespace(DEFAULT_NAMESPACE)
        // plain HTTP: no TLS to negotiate HTTP/2 over
        .withHttp2Disable(true)
        .build();
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
          .sorted()
          .toList();
    }
  }

  /**
   * The CRD with the status kube-apiserver gives it once its names are accepted, so that {@code
   * kubectl wait --for=condition=Established} and readiness checks pass.
   */
  private static CustomResourceDefinition established(CustomResourceDefinition crd) {
    String now = Instant.now().toString();
    crd.setStatus(
        new CustomResourceDefinitionStatusBuilder()
            .withAcceptedNames(crd.getSpec().getNames())
            .withStoredVersions(
                crd.getSpec().getVersions().stream()
                    .filter(v -> Boolean.TRUE.equals(v.getStorage()))
                    .map(CustomResourceDefinitionVersion::getName)
                    .toList())
            .withConditions(
                new CustomResourceDefinitionConditionBuilder()
                    .withType("NamesAccepted")
                    .withStatus("True")
                    .withReason("NoConflicts")
                    .withLastTransitionTime(now)
                    .build(),
                new CustomResourceDefinitionConditionBuilder()
                    .withType("Established")
                    .withStatus("True")
                    .withReason("InitialNamesAccepted")
                    .withLastTransitionTime(now)
                    .build())
            .build());
    return crd;
  }
}
