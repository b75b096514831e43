package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** An OpenAI-compatible endpoint serving a Model and its adapters. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.adapters) || self.adapters.all(a, a.name != self.model.name)",
    message = "an adapter cannot be the served model itself")
public class InferenceServiceSpec {

  @Required
  @JsonPropertyDescription("The base Model to serve; changing it rolls the Deployment.")
  private ModelReference model;

  // Bounded so the API server can afford the CEL rule that walks the list.
  @Size(max = 32)
  @JsonPropertyDescription(
      "LoRA adapter Models of the base, each served under its own model id (its name).")
  private List<ModelReference> adapters = new ArrayList<>();

  // Defaulted by the API server as in Java ({} then each bound's default), so a spec without it
  // is accepted by a real server exactly as the operator reads it.
  @Default("{}")
  @JsonPropertyDescription("Replica count and its upper bound (default: one replica, at most one).")
  private ReplicaRange replicas = new ReplicaRange();

  @JsonPropertyDescription("Serving engine settings.")
  private EngineSpec engine;

  @JsonPropertyDescription("Compute of each serving pod.")
  private WorkloadResources resources;

  @JsonPropertyDescription("Placement of the serving pods.")
  private Scheduling scheduling;

  @JsonPropertyDescription(
      "A Secret key holding the API key clients must send as 'Authorization: Bearer KEY' on"
          + " /v1 (vLLM's --api-key); probes and /metrics stay open. The pod reads it at start:"
          + " after rotating the key, restart the pods (kubectl rollout restart).")
  private SecretKeyReference apiKeySecretRef;

  public SecretKeyReference getApiKeySecretRef() {
    return apiKeySecretRef;
  }

  public void setApiKeySecretRef(SecretKeyReference apiKeySecretRef) {
    this.apiKeySecretRef = apiKeySecretRef;
  }

  public ModelReference getModel() {
    return model;
  }

  public void setModel(ModelReference model) {
    this.model = model;
  }

  public List<ModelReference> getAdapters() {
    return adapters;
  }

  public void setAdapters(List<ModelReference> adapters) {
    this.adapters = adapters;
  }

  public ReplicaRange getReplicas() {
    return replicas;
  }

  public void setReplicas(ReplicaRange replicas) {
    this.replicas = replicas;
  }

  public EngineSpec getEngine() {
    return engine;
  }

  public void setEngine(EngineSpec engine) {
    this.engine = engine;
  }

  public WorkloadResources getResources() {
    return resources;
  }

  public void setResources(WorkloadResources resources) {
    this.resources = resources;
  }

  public Scheduling getScheduling() {
    return scheduling;
  }

  public void setScheduling(Scheduling scheduling) {
    this.scheduling = scheduling;
  }
}
