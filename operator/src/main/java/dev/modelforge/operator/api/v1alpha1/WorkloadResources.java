package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Compute for a workload pod; omitted values fall back to the operator's configured defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadResources {

  @Min(0)
  @Max(16)
  @JsonPropertyDescription(
      "Number of GPUs, requested as nvidia.com/gpu. 0 (the default) runs on CPUs.")
  private Integer gpus;

  @Pattern(Quantities.PATTERN)
  @JsonPropertyDescription("CPU request and limit, as a Kubernetes quantity (4, 500m).")
  private String cpu;

  @Pattern(Quantities.PATTERN)
  @JsonPropertyDescription("Memory request and limit, as a Kubernetes quantity (16Gi).")
  private String memory;

  public WorkloadResources() {}

  public WorkloadResources(Integer gpus, String cpu, String memory) {
    this.gpus = gpus;
    this.cpu = cpu;
    this.memory = memory;
  }

  public Integer getGpus() {
    return gpus;
  }

  public void setGpus(Integer gpus) {
    this.gpus = gpus;
  }

  public String getCpu() {
    return cpu;
  }

  public void setCpu(String cpu) {
    this.cpu = cpu;
  }

  public String getMemory() {
    return memory;
  }

  public void setMemory(String memory) {
    this.memory = memory;
  }
}
