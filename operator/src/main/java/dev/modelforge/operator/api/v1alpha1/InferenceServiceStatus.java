package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.List;

/** Observed state of an InferenceService: where to call it and how many replicas answer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InferenceServiceStatus extends CommonStatus {

  @PrinterColumn(name = "Phase")
  @JsonPropertyDescription("Pending, Deploying, Ready or Failed.")
  private ServingPhase phase;

  @PrinterColumn(name = "Ready")
  @JsonPropertyDescription("Ready replicas out of desired ones, such as 2/2.")
  private String ready;

  @PrinterColumn(name = "URL")
  @JsonPropertyDescription("Base URL of the OpenAI-compatible API inside the cluster.")
  private String url;

  @StatusReplicas
  @JsonPropertyDescription("Replicas the Deployment has (the /scale subresource reads it).")
  private Integer replicas;

  @JsonPropertyDescription("Replicas that pass the readiness probe.")
  private Integer readyReplicas;

  @LabelSelector
  @JsonPropertyDescription("Label selector of the serving pods, for the HPA.")
  private String selector;

  @JsonPropertyDescription("Model ids the endpoint serves: the base first, then the adapters.")
  private List<String> servedModels;

  public ServingPhase getPhase() {
    return phase;
  }

  public void setPhase(ServingPhase phase) {
    this.phase = phase;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public List<String> getServedModels() {
    return servedModels;
  }

  public void setServedModels(List<String> servedModels) {
    this.servedModels = servedModels;
  }
}
