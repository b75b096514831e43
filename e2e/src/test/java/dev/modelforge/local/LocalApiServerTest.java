package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local API server as the operator (Fabric8 client) and a person (kubectl) use it. */
class LocalApiServerTest {
  static final String API_VERSION = "modelforge.dev/v1alpha1";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path work;
  static LocalApiServer server;
  static Path kubeconfig;

  @BeforeAll
  static void startServerWithCrds() throws IOException {
    server = LocalApiServer.start(0);
    server.installCrds(Path.of("..", "crds"));
    kubeconfig = work.resolve("kubeconfig");
    server.writeKubeconfig(kubeconfig);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void installedCrdsAreEstablishedAndTheirKindsDiscoverable() {
    List<CustomResourceDefinition> crds =
        server.client().apiextensions().v1().customResourceDefinitions().list().getItems();

    assertThat(crds)
        .extracting(crd -> crd.getMetadata().getName())
        .contains(
            "models.modelforge.dev",
            "finetuningjobs.modelforge.dev",
            "inferenceservices.modelforge.dev");
    assertThat(crds)
        .allSatisfy(
            crd ->
                assertThat(crd.getStatus().getConditions())
                    .anySatisfy(
                        c -> {
                          assertThat(c.getType()).isEqualTo("Established");
                          assertThat(c.getStatus()).isEqualTo("True");
                        }));
    assertThat(server.client().supports(API_VERSION, "Model")).isTrue();
    assertThat(server.client().getApiResources(API_VERSION).getResources())
        .extracting(r -> r.getName())
        .contains("models", "models/status", "inferenceservices/scale");
  }

  @Test
  void installingCrdsAgainUpdatesThemInPlace() throws IOException {
    List<CustomResourceDefinition> again = server.installCrds(Path.of("..", "crds"));

    assertThat(again).hasSize(3);
    assertThat(server.client().apiextensions().v1().customResourceDefinitions().list().getItems())
        .filteredOn(crd -> crd.getSpec().getGroup().equals("modelforge.dev"))
        .hasSize(3);
  }

  @Test
  void writtenKubeconfigPointsAtTheServerInTheDefaultNamespace() throws IOException {
    String config = Files.readString(kubeconfig);

    assertThat(config)
        .contains("server: " + server.url())
        .contains("current-context: modelforge-local")
        .contains("namespace: default");
    assertThat(server.url()).startsWith("http://127.0.0.1:");
  }

  @Test
  void informerSeesModelsCreatedUpdatedAndDeleted() {
    List<String> events = new CopyOnWriteArrayList<>();
    SharedIndexInformer<GenericKubernetesResource> informer =
        models()
            .inNamespace("default")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(GenericKubernetesResource model) {
                    events.add("added " + model.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(
                      GenericKubernetesResource before, GenericKubernetesResource after) {
                    events.add("updated " + after.getMetadata().getName());
                  }

                  @Override
                  public void onDelete(GenericKubernetesResource model, boolean unknownFinal) {
                    events.add("deleted " + model.getMetadata().getName());
                  }
                });
    try {
      models().inNamespace("default").resource(model("watched", "hf://acme/tiny")).create();
      await().atMost(TIMEOUT).until(() -> events.contains("added watched"));

      models()
          .inNamespace("default")
          .withName("watched")
          .edit(
              m ->
                  new GenericKubernetesResourceBuilder(m)
                      .editMetadata()
                      .addToLabels("a", "b")
                      .endMetadata()
                      .build());
      await().atMost(TIMEOUT).until(() -> events.contains("updated watched"));

      models().inNamespace("default").withName("watched").delete();
      await().atMost(TIMEOUT).until(() -> events.contains("deleted watched"));
    } finally {
      informer.close();
    }
  }

  @Test
  void statusPatchChangesStatusOnly() {
    Resource<GenericKubernetesResource> model =
        models().inNamespace("default").resource(model("status-only", "hf://acme/tiny"));
    GenericKubernetesResource created = model.create();
    created.setAdditionalProperty("status", Map.of("phase", "Ready"));
    created.setAdditionalProperty("spec", Map.of("source", Map.of("uri", "hf://changed")));

    models().inNamespace("default").resource(created).patchStatus();

    GenericKubernetesResource stored = model.get();
    assertThat((Object) stored.get("status", "phase")).isEqualTo("Ready");
    assertThat((Object) stored.get("spec", "source", "uri")).isEqualTo("hf://acme/tiny");
    assertThat(stored.getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Nested
  class WithKubectl {

    @BeforeEach
    void requireKubectl() {
      assumeTrue(kubectlOnPath(), "kubectl is not on the PATH");
    }

    @Test
    void applyCreatesAModelThatGetListsAndReads() throws Exception {
      Kubectl.Result applied = kubectlApply(modelYaml("applied", "hf://acme/tiny"));
      assertThat(applied.stdout()).contains("model.modelforge.dev/applied created");

      assertThat(kubectl("get", "models").stdout()).contains("NAME", "PHASE", "applied");
      assertThat(kubectl("get", "model", "applied", "-o", "jsonpath={.spec.source.uri}").stdout())
          .isEqualTo("hf://acme/tiny");
    }

    @Test
    void anUnknownFieldIsRefusedByStrictKubectlAndDroppedForOtherClients() throws Exception {
      String typo =
          modelYaml("typo", "hf://acme/tiny").replace("spec:", "spec:\n  sorce: {uri: x}");
      Path file = Files.createTempFile(work, "typo", ".yaml");
      Files.writeString(file, typo);

      Kubectl.Result refused = Kubectl.run(kubeconfig, work, "apply", "-f", file.toString());

      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.stderr()).contains("unknown field").contains("spec.sorce");

      GenericKubernetesResource sloppy = model("pruned", "hf://acme/tiny");
      sloppy
          .getAdditionalProperties()
          .put("spec", Map.of("source", Map.of("uri", "hf://acme/tiny"), "sorce", "x"));
      models().inNamespace("default").resource(sloppy).create();
      var stored =
          (java.util.Map<?, ?>)
              models()
                  .inNamespace("default")
                  .withName("pruned")
                  .get()
                  .getAdditionalProperties()
                  .get("spec");
      assertThat(stored.keySet())
          .extracting(Object::toString)
          .contains("source")
          .doesNotContain("sorce");
    }

    @Test
    void applyAgainUpdatesTheSpecAndBumpsTheGeneration() throws Exception {
      kubectlApply(modelYaml("reapplied", "hf://acme/tiny"));

      Kubectl.Result updated = kubectlApply(modelYaml("reapplied", "hf://acme/tiny-v2"));

      assertThat(updated.stdout()).contains("model.modelforge.dev/reapplied configured");
      assertThat(
              kubectl(
                      "get",
                      "model",
                      "reapplied",
                      "-o",
                      "jsonpath={.spec.source.uri} {.metadata.generation}")
                  .stdout())
          .isEqualTo("hf://acme/tiny-v2 2");
    }

    @Test
    void labelAndMergePatchChangeTheModel() throws Exception {
      kubectlApply(modelYaml("patched", "hf://acme/tiny"));

      kubectl("label", "model", "patched", "team=ml");
      kubectl(
          "patch",
          "model",
          "patched",
          "--type=merge",
          "-p",
          "{\"spec\":{\"source\":{\"uri\":\"hf://acme/patched\"}}}");

      assertThat(kubectl("get", "models", "-l", "team=ml", "-o", "name").stdout())
          .isEqualTo("model.modelforge.dev/patched");
      assertThat(kubectl("get", "model", "patched", "-o", "jsonpath={.spec.source.uri}").stdout())
          .isEqualTo("hf://acme/patched");
    }

    @Test
    void statusPatchShowsInThePrinterColumns() throws Exception {
      kubectlApply(modelYaml("ready", "hf://acme/tiny"));

      kubectl(
          "patch",
          "model",
          "ready",
          "--subresource=status",
          "--type=merge",
          "-p",
          "{\"status\":{\"phase\":\"Ready\",\"architecture\":\"llama\",\"parameters\":1234}}");

      List<String> lines = kubectl("get", "models,finetuningjobs,inferenceservices").lines();
      assertThat(lines.getFirst()).containsSubsequence("NAME", "AGE", "ARCH", "PARAMS", "PHASE");
      assertThat(lines)
          .anySatisfy(
              line ->
                  assertThat(line)
                      .containsSubsequence("model.modelforge.dev/ready", "llama", "1234", "Ready"));
    }

    @Test
    void deleteRemovesTheModel() throws Exception {
      kubectlApply(modelYaml("deleted", "hf://acme/tiny"));

      Kubectl.Result deleted = kubectl("delete", "model", "deleted");

      assertThat(deleted.stdout()).contains("model.modelforge.dev \"deleted\" deleted");
      Kubectl.Result missing = Kubectl.run(kubeconfig, work, "get", "model", "deleted");
      assertThat(missing.exitCode()).isNotZero();
      assertThat(missing.stderr()).contains("models.modelforge.dev \"deleted\" not found");
    }

    @Test
    void crdAppliedWithKubectlIsServedAtOnce() throws Exception {
      Path crd = work.resolve("widgets.example.com.yaml");
      Files.writeString(
          crd,
          """
          apiVersion: apiextensions.k8s.io/v1
          kind: CustomResourceDefinition
          metadata:
            name: widgets.example.com
          spec:
            group: example.com
            names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
            scope: Namespaced
            versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
          """);
      Path widget = work.resolve("gear.yaml");
      Files.writeString(
          widget,
          """
          apiVersion: example.com/v1
          kind: Widget
          metadata:
            name: gear
          """);

      kubectl("apply", "-f", crd.toString());
      kubectl("apply", "-f", widget.toString());

      assertThat(kubectl("get", "wd").stdout()).containsSubsequence("NAME", "AGE", "gear");
    }

    @Test
    void configMapCreatedThroughAClientDryRunCanBeDescribed() throws Exception {
      String yaml =
          kubectl(
                  "create",
                  "configmap",
                  "settings",
                  "--from-literal=greeting=hello",
                  "--dry-run=client",
                  "-o",
                  "yaml")
              .stdout();
      Path file = work.resolve("settings.yaml");
      Files.writeString(file, yaml);

      kubectl("create", "-f", file.toString());

      assertThat(kubectl("describe", "configmap", "settings").stdout())
          .containsSubsequence("Name:", "settings", "greeting", "hello");
    }

    @Test
    void builtInKindsListEmpty() throws Exception {
      for (String kind : List.of("configmaps", "jobs", "deployments")) {
        assertThat(kubectl("get", kind).stderr())
            .as(kind)
            .contains("No resources found in default namespace.");
      }
    }

    @Test
    void apiResourcesListTheModelForgeKindsWithShortNames() throws Exception {
      String resources = kubectl("api-resources", "--api-group=modelforge.dev").stdout();

      assertThat(resources)
          .containsPattern("models\\s+mdl,mfm\\s+modelforge.dev/v1alpha1\\s+true\\s+Model")
          .contains("finetuningjobs", "inferenceservices");
    }

    @Test
    void unsupportedRequestsFailAtOnceSayingWhatToDoInstead() throws Exception {
      Kubectl.Result protobuf =
          Kubectl.run(kubeconfig, work, "create", "configmap", "plain", "--from-literal=a=b");
      Kubectl.Result streamingWatch = Kubectl.run(kubeconfig, work, "get", "models", "--watch");

      assertThat(protobuf.exitCode()).isNotZero();
      assertThat(protobuf.stderr()).contains("--dry-run=client -o yaml");
      assertThat(streamingWatch.exitCode()).isNotZero();
      assertThat(streamingWatch.stderr()).contains("poll with kubectl get");
    }

    private Kubectl.Result kubectlApply(String yaml) throws Exception {
      Path file = Files.createTempFile(work, "model", ".yaml");
      Files.writeString(file, yaml);
      return kubectl("apply", "-f", file.toString());
    }

    private Kubectl.Result kubectl(String... args) throws Exception {
      Kubectl.Result result = Kubectl.run(kubeconfig, work, args);
      if (result.exitCode() != 0) {
        fail(
            "kubectl %s failed (%d): %s",
            String.join(" ", args), result.exitCode(), result.stderr());
      }
      return result;
    }
  }

  static MixedOperation<GenericKubernetesResource, ?, Resource<GenericKubernetesResource>>
      models() {
    return server.client().genericKubernetesResources(API_VERSION, "Model");
  }

  static GenericKubernetesResource model(String name, String uri) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(API_VERSION)
        .withKind("Model")
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addToAdditionalProperties("spec", Map.of("source", Map.of("uri", uri)))
        .build();
  }

  static String modelYaml(String name, String uri) {
    return """
        apiVersion: modelforge.dev/v1alpha1
        kind: Model
        metadata:
          name: %s
        spec:
          source:
            uri: %s
        """
        .formatted(name, uri);
  }

  static boolean kubectlOnPath() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  /** The real kubectl binary, run with a deadline so that a hang fails the test. */
  static final class Kubectl {
    static final Duration DEADLINE = Duration.ofSeconds(30);

    record Result(int exitCode, String stdout, String stderr) {
      List<String> lines() {
        return stdout.lines().toList();
      }
    }

    static Result run(Path kubeconfig, Path work, String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of("kubectl"));
      // a cache per server: kubectl keeps discovery for hours by host and port
      command.add("--cache-dir=" + work.resolve("kubectl-cache"));
      command.addAll(List.of(args));
      Path out = Files.createTempFile(work, "kubectl", ".out");
      Path err = Files.createTempFile(work, "kubectl", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("kubectl %s did not finish within %s", String.join(" ", args), DEADLINE);
      }
      return new Result(
          process.exitValue(), Files.readString(out).strip(), Files.readString(err).strip());
    }
  }
}
