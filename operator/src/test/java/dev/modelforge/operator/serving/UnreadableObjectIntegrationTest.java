package dev.modelforge.operator.serving;

import static dev.modelforge.operator.common.Kubelet.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.ServingPhase;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceSubresourceScale;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CRD version skew on a real API server: an InferenceService stored while the CRD's schema let
 * {@code spec.replicas} be an integer (as an older or newer operator's CRD could) is read by this
 * operator, whose model has an object there. The object is reported, by an Event and a log line
 * naming the field, and the controller goes on reconciling every other InferenceService.
 */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class UnreadableObjectIntegrationTest {
  static final String NS = "skew-it";
  static final String CRD = "inferenceservices.modelforge.dev";

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace(NS);
  }

  final KubernetesClient client = RealApiServer.admin();

  @TestHTTPResource("/q/health")
  URI health;

  @Test
  void anObjectFromAnotherCrdVersionIsReportedAndStopsNothing() throws Exception {
    var shipped = version();
    JSONSchemaProps shippedSpec =
        shipped.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    // the scale subresource's specReplicasPath (.spec.replicas.min) is checked on every write too
    var shippedScale = shipped.getSubresources().getScale();
    var loose =
        new JSONSchemaPropsBuilder()
            .withType("object")
            .withXKubernetesPreserveUnknownFields(true)
            .build();
    Map<String, Object> skewed = storedAsInteger();
    try {
      setSchema(loose, null);
      // the API server takes a moment to serve the new schema
      await()
          .atMost(TIMEOUT)
          .ignoreException(KubernetesClientException.class)
          .until(() -> create(skewed) != null);
    } finally {
      setSchema(shippedSpec, shippedScale);
    }

    // Reported where kubectl describe shows it, naming the field.
    Event event =
        await()
            .atMost(TIMEOUT)
            .until(() -> unreadableEvents("skewed"), events -> !events.isEmpty())
            .get(0);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getMessage())
        .contains("spec.replicas")
        .contains("ReplicaRange")
        .contains("another version of the InferenceService CRD");

    // The controller still runs: an InferenceService created afterwards is reconciled.
    client
        .resource(
            InferenceServiceReconcilerIntegrationTest.fresh(
                TestResources.inferenceService(NS, "after", "not-there")))
        .create();
    assertThat(awaitPhase("after").getStatus().condition("Ready").orElseThrow().getMessage())
        .contains("Model not-there does not exist");
    assertThat(get(health)).contains("\"status\": \"UP\"");
    // The unreadable object was left alone: no status, one Event.
    assertThat(
            client
                .genericKubernetesResources("modelforge.dev/v1alpha1", "InferenceService")
                .inNamespace(NS)
                .withName("skewed")
                .get()
                .getAdditionalProperties())
        .doesNotContainKey("status");
    assertThat(unreadableEvents("skewed")).hasSize(1);

    // Corrected to the shipped schema's shape, it reads and is reconciled like any other.
    // (through the generic client, as kubectl would: the typed one cannot read it either)
    client
        .genericKubernetesResources("modelforge.dev/v1alpha1", "InferenceService")
        .inNamespace(NS)
        .withName("skewed")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"replicas\":{\"min\":1,\"max\":2}}}");
    assertThat(awaitPhase("skewed").getStatus().condition("Ready").orElseThrow().getMessage())
        .contains("Model not-there does not exist");
  }

  /** A valid InferenceService whose {@code spec.replicas} is the integer 2. */
  private Map<String, Object> storedAsInteger() {
    var service = TestResources.inferenceService(NS, "skewed", "not-there");
    service.getMetadata().setUid(null);
    service.getMetadata().setGeneration(null);
    service.setApiVersion("modelforge.dev/v1alpha1");
    service.setKind("InferenceService");
    @SuppressWarnings("unchecked")
    Map<String, Object> object =
        client.getKubernetesSerialization().convertValue(service, Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) object.get("spec");
    spec.put("replicas", 2);
    return object;
  }

  private GenericKubernetesResource create(Map<String, Object> object) {
    var resource =
        client.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
    return client.resource(resource).create();
  }

  private CustomResourceDefinitionVersion version() {
    return client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(CRD)
        .get()
        .getSpec()
        .getVersions()
        .get(0);
  }

  private void setSchema(JSONSchemaProps spec, CustomResourceSubresourceScale scale) {
    UnaryOperator<CustomResourceDefinition> edit =
        crd -> {
          var version = crd.getSpec().getVersions().get(0);
          version.getSchema().getOpenAPIV3Schema().getProperties().put("spec", spec);
          version.getSubresources().setScale(scale);
          return crd;
        };
    client.apiextensions().v1().customResourceDefinitions().withName(CRD).edit(edit);
  }

  private List<Event> unreadableEvents(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .filter(e -> "Unreadable".equals(e.getReason()))
        .toList();
  }

  private InferenceService awaitPhase(String name) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> client.resources(InferenceService.class).inNamespace(NS).withName(name).get(),
            s -> s.getStatus() != null && s.getStatus().getPhase() == ServingPhase.Pending);
  }

  private static String get(URI uri) throws Exception {
    try (var http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
