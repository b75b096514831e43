package dev.modelforge.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.UnreadableResources;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TolerantDeserializationTest {
  final UnreadableResources unreadable = new UnreadableResources();
  final KubernetesSerialization serialization = serialization(unreadable);

  static KubernetesSerialization serialization(UnreadableResources unreadable) {
    var mapper = new ObjectMapper();
    var serialization = new KubernetesSerialization(mapper, true);
    new TolerantDeserialization(unreadable).customize(mapper);
    return serialization;
  }

  static String service(String name, String uid, String version, String replicas) {
    return """
        {"apiVersion": "modelforge.dev/v1alpha1", "kind": "InferenceService",
         "metadata": {"name": "%s", "namespace": "ns", "uid": "%s", "resourceVersion": "%s"},
         "spec": {"model": {"name": "base"}, "replicas": %s, "futureField": {"x": 1}},
         "status": {"phase": "Ready"}}
        """
        .formatted(name, uid, version, replicas);
  }

  @Test
  void oneObjectOfTheWrongShapeDoesNotFailTheList() throws Exception {
    String list =
        "["
            + service("good", "u1", "10", "{\"min\": 2}")
            + ","
            + service("skewed", "u2", "11", "2")
            + "]";

    List<InferenceService> items =
        serialization.unmarshal(
            new ByteArrayInputStream(list.getBytes(StandardCharsets.UTF_8)),
            new TypeReference<List<InferenceService>>() {});

    assertThat(items).hasSize(2);
    var good = items.get(0);
    assertThat(good.getSpec().getReplicas().getMin()).isEqualTo(2);
    assertThat(good.getStatus().getPhase().name()).isEqualTo("Ready");
    assertThat(unreadable.reason(good)).isEmpty();

    var skewed = items.get(1);
    assertThat(skewed.getMetadata().getName()).isEqualTo("skewed");
    assertThat(skewed.getSpec()).isNull();
    assertThat(skewed.getStatus()).isNull();
    assertThat(unreadable.reason(skewed))
        .hasValueSatisfying(
            r ->
                assertThat(r)
                    .startsWith("spec.replicas: ")
                    .contains("`ReplicaRange`")
                    .doesNotContain("dev.modelforge"));
  }

  @Test
  void aCloneOfTheSameVersionStaysUnreadableAndANewerReadableVersionClearsIt() {
    var skewed =
        serialization.unmarshal(service("skewed", "u3", "20", "2"), InferenceService.class);
    // JOSDK clones what it hands the reconciler by writing and rereading it
    var clone = serialization.clone(skewed);
    assertThat(unreadable.reason(clone)).isPresent();

    var fixed =
        serialization.unmarshal(
            service("skewed", "u3", "21", "{\"min\": 1}"), InferenceService.class);
    assertThat(fixed.getSpec()).isNotNull();
    assertThat(unreadable.reason(fixed)).isEmpty();
    assertThat(unreadable.reason(clone)).isEmpty();
  }

  @Test
  void aStatusAloneThatCannotBeReadIsDroppedAndTheSpecKept() {
    String json =
        """
        {"apiVersion": "modelforge.dev/v1alpha1", "kind": "Model",
         "metadata": {"name": "m", "namespace": "ns", "uid": "u4", "resourceVersion": "5"},
         "spec": {"source": {"uri": "https://example.com/m"}},
         "status": {"phase": ["not", "a", "phase"]}}
        """;
    Model model = serialization.unmarshal(json, Model.class);
    assertThat(model.getSpec().getSource().getUri()).isEqualTo("https://example.com/m");
    assertThat(model.getStatus()).isNull();
    assertThat(unreadable.reason(model)).isEmpty();
  }

  @Test
  void everyKindOfTheApiGroupIsCoveredAndNothingElse() {
    assertThat(TolerantDeserialization.isOurs(Model.class)).isTrue();
    assertThat(TolerantDeserialization.isOurs(InferenceService.class)).isTrue();
    assertThat(TolerantDeserialization.isOurs(FineTuningJob.class)).isTrue();
    assertThat(TolerantDeserialization.isOurs(io.fabric8.kubernetes.api.model.Pod.class)).isFalse();
  }
}
