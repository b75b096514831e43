package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;

/**
 * What the demo's story must have left behind on any cluster it ran on: the adapter beats its base
 * on held-out problems, every Model is Ready with its files counted, both FineTuningJobs Succeeded
 * at their last step, and the InferenceService is Ready serving the base and the adapter.
 */
public final class DemoStoryAssertions {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final ResourceDefinitionContext MODELS = Demo.crd("Model", "models");
  static final ResourceDefinitionContext JOBS = Demo.crd("FineTuningJob", "finetuningjobs");
  static final ResourceDefinitionContext SERVICES =
      Demo.crd("InferenceService", "inferenceservices");

  private DemoStoryAssertions() {}

  public static void assertStoryFinished(KubernetesClient client, Demo.Result result) {
    assertThat(result.adapterAccuracy())
        .as("the adapter's exact match against the base's %s", result.baseAccuracy())
        .isGreaterThan(result.baseAccuracy() + 0.3);
    for (String model : List.of("tiny-random", Demo.BASE, Demo.ADAPTER)) {
      JsonNode s = status(client, MODELS, model);
      assertThat(s.path("phase").asText()).as(model).isEqualTo("Ready");
      assertThat(s.path("files").size()).as(model + " files").isPositive();
      assertThat(s.path("parameters").asLong()).as(model + " parameters").isPositive();
    }
    assertThat(status(client, MODELS, Demo.BASE).path("architecture").asText())
        .isEqualTo("LlamaForCausalLM");
    assertThat(status(client, MODELS, Demo.ADAPTER).path("architecture").asText())
        .isEqualTo("PeftLoraAdapter");
    for (String job : List.of(Demo.BASE, Demo.ADAPTER)) {
      JsonNode s = status(client, JOBS, job);
      assertThat(s.path("phase").asText()).as(job).isEqualTo("Succeeded");
      assertThat(s.path("step").asLong()).isEqualTo(s.path("totalSteps").asLong());
      assertThat(s.path("outputModel").asText()).isEqualTo(job);
    }
    JsonNode serving = status(client, SERVICES, Demo.SERVICE);
    assertThat(serving.path("phase").asText()).isEqualTo("Ready");
    assertThat(serving.path("servedModels").toString()).contains(Demo.BASE).contains(Demo.ADAPTER);
  }

  /** The resource's status in the demo's namespace, or null when the resource is absent. */
  static JsonNode status(KubernetesClient client, ResourceDefinitionContext kind, String name) {
    GenericKubernetesResource r =
        client.genericKubernetesResources(kind).inNamespace(Demo.NAMESPACE).withName(name).get();
    return r == null ? null : JSON.valueToTree(r.getAdditionalProperties()).path("status");
  }
}
