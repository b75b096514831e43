package dev.modelforge.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRDs as a real kube-apiserver enforces them: accepted as they are (structural,
 * every CEL rule within the cost budget), the samples accepted, each bound, enum, pattern and rule
 * refused with its message, schema defaults applied, status written only through /status, and
 * /scale mapped onto {@code spec.replicas.min}. No operator runs here: this is the server alone.
 */
class CrdSchemaOnRealServerTest {
  static final String NS = "schema-it";
  static final KubernetesClient admin = RealApiServer.admin();

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace(NS);
  }

  @ParameterizedTest
  @MethodSource("crdNames")
  void committedCrdIsEstablishedWithNoSchemaComplaint(String name) {
    CustomResourceDefinition crd =
        admin.apiextensions().v1().customResourceDefinitions().withName(name).get();

    assertThat(crd.getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Established");
              assertThat(c.getStatus()).isEqualTo("True");
            })
        .noneSatisfy(c -> assertThat(c.getType()).isEqualTo("NonStructuralSchema"));
  }

  static Stream<String> crdNames() {
    return Stream.of(
        "models.modelforge.dev",
        "finetuningjobs.modelforge.dev",
        "inferenceservices.modelforge.dev");
  }

  @Test
  void everySampleIsAcceptedByTheServer() throws IOException {
    Path samples = ControlPlaneBinaries.locate().repositoryRoot().resolve("config/samples");
    List<Path> files;
    try (Stream<Path> list = Files.list(samples)) {
      files =
          list.filter(f -> f.toString().endsWith(".yaml"))
              .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
              .sorted()
              .toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(4);
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata item : admin.load(in).items()) {
          item.getMetadata().setNamespace("samples-it");
          RealApiServer.namespaceWithoutWorkloadAccount("samples-it");
          HasMetadata stored = admin.resource(item).inNamespace("samples-it").create();
          assertThat(stored.getMetadata().getUid()).as(file + " " + item.getKind()).isNotNull();
        }
      }
    }
  }

  /** A valid object of each kind, and one change that breaks one rule, and the server's words. */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("brokenSpecs")
  void aSpecThatBreaksARuleIsRefusedWithTheRulesMessage(
      String kind, String change, Consumer<GenericKubernetesResource> breakIt, String message) {
    var resource = valid(kind, "broken-" + Math.abs(change.hashCode()));
    breakIt.accept(resource);

    assertThatThrownBy(() -> resources(kind).resource(resource).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(message);
  }

  static Stream<Arguments> brokenSpecs() {
    return Stream.of(
        broken(
            "Model",
            "a name too long for its fetch Job",
            r -> name(r, "m".repeat(58)),
            "a Model's name may have at most 57 characters"),
        broken(
            "Model",
            "an unknown URI scheme",
            r -> set(r, "spec.source.uri", "ftp://x/y"),
            "spec.source.uri in body should match"),
        broken(
            "Model",
            "a size that is no quantity",
            r -> set(r, "spec.storage.size", "lots"),
            "spec.storage.size in body should match"),
        broken(
            "Model", "no storage", r -> spec(r).remove("storage"), "spec.storage: Required value"),
        broken(
            "Model",
            "a read-only access mode the fetch could not write",
            r -> set(r, "spec.storage.accessMode", "ReadOnlyMany"),
            "spec.storage.accessMode: Unsupported value: \"ReadOnlyMany\""),
        broken(
            "Model",
            "an adapter of a badly named base",
            r -> set(r, "spec.adapterOf", Map.of("name", "Base_Model")),
            "spec.adapterOf.name in body should match"),
        broken(
            "FineTuningJob",
            "a name too long for its training Job",
            r -> name(r, "f".repeat(58)),
            "a FineTuningJob's name may have at most 57 characters"),
        broken(
            "FineTuningJob",
            "an unknown dataset format",
            r -> set(r, "spec.dataset.format", "csv"),
            "Unsupported value: \"csv\""),
        broken(
            "FineTuningJob",
            "too large a validation split",
            r -> set(r, "spec.dataset.validationSplit", 0.9),
            "should be less than or equal to 0.5"),
        broken(
            "FineTuningJob",
            "a LoRA rank of 0",
            r -> set(r, "spec.method.lora.rank", 0),
            "should be greater than or equal to 1"),
        broken(
            "FineTuningJob",
            "lora without its settings",
            r -> ((Map<String, Object>) spec(r).get("method")).remove("lora"),
            "method.lora is required when method.type is lora"),
        broken(
            "FineTuningJob",
            "full with LoRA settings",
            r -> set(r, "spec.method.type", "full"),
            "method.lora must be omitted when method.type is full"),
        broken(
            "FineTuningJob",
            "a badly named output",
            r -> set(r, "spec.output.modelName", "Out.Model"),
            "spec.output.modelName in body should match"),
        broken(
            "FineTuningJob",
            "17 GPUs",
            r -> set(r, "spec.resources.gpus", 17),
            "should be less than or equal to 16"),
        broken(
            "FineTuningJob",
            "an unknown scheduler",
            r -> set(r, "spec.hyperparameters.lrScheduler", "step"),
            "Unsupported value: \"step\""),
        broken(
            "InferenceService",
            "a name that starts with a digit",
            r -> name(r, "1chat"),
            "an InferenceService's name is its Service's name"),
        broken(
            "InferenceService",
            "a dotted name",
            r -> name(r, "chat.v1"),
            "an InferenceService's name is its Service's name"),
        broken(
            "InferenceService",
            "the model served as its own adapter",
            r -> set(r, "spec.adapters", List.of(Map.of("name", "base"))),
            "an adapter cannot be the served model itself"),
        broken(
            "InferenceService",
            "more replicas than the bound",
            r -> set(r, "spec.replicas", Map.of("min", 5, "max", 4)),
            "replicas.min must be <= replicas.max"),
        broken(
            "InferenceService",
            "33 adapters",
            r ->
                set(
                    r,
                    "spec.adapters",
                    Stream.iterate(0, i -> i + 1)
                        .limit(33)
                        .map(i -> Map.of("name", "a" + i))
                        .toList()),
            "must have at most 32 items"),
        broken(
            "InferenceService",
            "an unknown dtype",
            r -> set(r, "spec.engine.dtype", "int4"),
            "Unsupported value: \"int4\""),
        broken(
            "InferenceService",
            "the model as a plain string",
            r -> set(r, "spec.model", "tiny-base"),
            "spec.model: Invalid value: \"string\""),
        broken(
            "InferenceService",
            "replicas as a plain number",
            r -> set(r, "spec.replicas", 2),
            "spec.replicas: Invalid value: \"integer\""));
  }

  @Test
  void immutableFieldsAreRefusedOnUpdate() {
    var model = resources("Model").resource(valid("Model", "immutable-source")).create();
    set(model, "spec.source.uri", "hf://other/model");
    assertThatThrownBy(() -> resources("Model").resource(model).update())
        .hasMessageContaining("source is immutable; create a new Model to fetch other files");

    var mode = resources("Model").resource(valid("Model", "immutable-mode")).create();
    set(mode, "spec.storage.accessMode", "ReadWriteMany");
    assertThatThrownBy(() -> resources("Model").resource(mode).update())
        .hasMessageContaining(
            "accessMode is immutable: the volume keeps the mode it was created with");

    var job = resources("FineTuningJob").resource(valid("FineTuningJob", "immutable-job")).create();
    set(job, "spec.hyperparameters.epochs", 9);
    assertThatThrownBy(() -> resources("FineTuningJob").resource(job).update())
        .hasMessageContaining("a FineTuningJob's spec is immutable");
  }

  @Test
  void schemaDefaultsFillWhatTheJavaTypesDefault() {
    var service = valid("InferenceService", "defaulted");
    spec(service).remove("replicas");
    spec(service).put("apiKeySecretRef", new java.util.HashMap<>(Map.of("name", "chat-key")));

    var stored = resources("InferenceService").resource(service).create();

    assertThat(spec(stored).get("replicas")).isEqualTo(Map.of("min", 1, "max", 1));
    assertThat(spec(stored).get("apiKeySecretRef"))
        .isEqualTo(Map.of("name", "chat-key", "key", "api-key"));

    var model = valid("Model", "defaulted");
    ((Map<?, ?>) spec(model).get("storage")).remove("accessMode");
    var storedModel = resources("Model").resource(model).create();
    assertThat(((Map<?, ?>) spec(storedModel).get("storage")).get("accessMode"))
        .isEqualTo("ReadWriteOnce");
  }

  @Test
  void statusIsWrittenOnlyThroughTheStatusSubresource() {
    var created = resources("Model").resource(valid("Model", "status-only")).create();
    created.getAdditionalProperties().put("status", Map.of("phase", "Ready"));

    var afterUpdate = resources("Model").resource(created).update();
    assertThat(afterUpdate.getAdditionalProperties()).doesNotContainKey("status");

    var afterStatus = resources("Model").resource(afterUpdate).updateStatus();
    afterStatus.getAdditionalProperties().put("status", Map.of("phase", "Ready"));
    afterStatus = resources("Model").resource(afterStatus).updateStatus();
    assertThat(afterStatus.getAdditionalProperties().get("status"))
        .isEqualTo(Map.of("phase", "Ready"));
  }

  /** What `kubectl scale` and an HPA do: read and write the Scale of the InferenceService. */
  @Test
  void scaleRoundTripsThroughReplicasMin() {
    var service = valid("InferenceService", "scaled");
    set(service, "spec.replicas", Map.of("min", 1, "max", 4));
    resources("InferenceService").resource(service).create();
    Resource<InferenceService> typed =
        admin.resources(InferenceService.class).inNamespace(NS).withName("scaled");

    assertThat(typed.scale().getSpec().getReplicas()).isEqualTo(1);
    typed.scale(3);

    assertThat(typed.get().getSpec().getReplicas().getMin()).isEqualTo(3);
    assertThat(typed.get().getSpec().getReplicas().getMax()).isEqualTo(4);
    assertThat(typed.scale().getSpec().getReplicas()).isEqualTo(3);
    // Past the bound the schema's rule refuses the Scale write as it refuses the spec.
    assertThatThrownBy(() -> typed.scale(5))
        .hasMessageContaining("replicas.min must be <= replicas.max");
  }

  private static NonNamespaceOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      resources(String kind) {
    return admin.genericKubernetesResources("modelforge.dev/v1alpha1", kind).inNamespace(NS);
  }

  private static GenericKubernetesResource valid(String kind, String name) {
    String spec =
        switch (kind) {
          case "Model" ->
              """
              source: {uri: "hf://Qwen/Qwen2.5-0.5B-Instruct@main"}
              storage: {size: 4Gi}
              """;
          case "FineTuningJob" ->
              """
              baseModel: {name: base}
              dataset: {uri: "configmap://data/train.jsonl", format: prompt-completion}
              method: {type: lora, lora: {rank: 8, alpha: 16}}
              hyperparameters: {epochs: 2, learningRate: 2.0e-4, batchSize: 8}
              resources: {gpus: 1}
              output: {modelName: out}
              """;
          case "InferenceService" ->
              """
              model: {name: base}
              adapters: [{name: adapter}]
              replicas: {min: 1, max: 2}
              engine: {dtype: auto}
              """;
          default -> throw new IllegalArgumentException(kind);
        };
    String yaml =
        "apiVersion: modelforge.dev/v1alpha1\nkind: "
            + kind
            + "\nmetadata: {name: "
            + name
            + ", namespace: "
            + NS
            + "}\nspec:\n"
            + spec.indent(2);
    return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
  }

  private static Arguments broken(
      String kind, String change, Consumer<GenericKubernetesResource> breakIt, String message) {
    return Arguments.of(kind, change, breakIt, message);
  }

  private static void name(GenericKubernetesResource resource, String name) {
    resource.getMetadata().setName(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static void set(GenericKubernetesResource resource, String path, Object value) {
    String[] parts = path.split("\\.");
    Map<String, Object> at = resource.getAdditionalProperties();
    for (int i = 0; i < parts.length - 1; i++) {
      at = (Map<String, Object>) at.get(parts[i]);
    }
    at.put(parts[parts.length - 1], value);
  }
}
