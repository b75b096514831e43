package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** Pod placement, passed through unchanged to the pods ModelForge creates. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Scheduling {

  @JsonPropertyDescription("Node labels the pods must match (pod.spec.nodeSelector).")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription(
      "Taints the pods tolerate, such as nvidia.com/gpu (pod.spec.tolerations).")
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Node and pod affinity rules (pod.spec.affinity).")
  private Affinity affinity;

  @JsonPropertyDescription("RuntimeClass of the pods, such as nvidia (pod.spec.runtimeClassName).")
  private String runtimeClassName;

  @JsonPropertyDescription("PriorityClass of the pods (pod.spec.priorityClassName).")
  private String priorityClassName;

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public Affinity getAffinity() {
    return affinity;
  }

  public void setAffinity(Affinity affinity) {
    this.affinity = affinity;
  }

  public String getRuntimeClassName() {
    return runtimeClassName;
  }

  public void setRuntimeClassName(String runtimeClassName) {
    this.runtimeClassName = runtimeClassName;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }
}
