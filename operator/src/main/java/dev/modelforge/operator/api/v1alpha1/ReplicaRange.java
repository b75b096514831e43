package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/**
 * How many serving replicas run. The /scale subresource reads and writes {@code min}, so an HPA or
 * KEDA moves it while the schema keeps it at or below {@code max}.
 */
@ValidationRule(value = "self.min <= self.max", message = "replicas.min must be <= replicas.max")
public class ReplicaRange {

  @Default("1")
  @Min(0)
  @SpecReplicas
  @JsonPropertyDescription(
      "Replicas to run now; the /scale subresource writes this field. 0 scales to zero.")
  private Integer min = 1;

  @Default("1")
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Upper bound that scaling (manual, HPA or KEDA) may not exceed.")
  private Integer max = 1;

  public ReplicaRange() {}

  public ReplicaRange(Integer min, Integer max) {
    this.min = min;
    this.max = max;
  }

  public Integer getMin() {
    return min;
  }

  public void setMin(Integer min) {
    this.min = min;
  }

  public Integer getMax() {
    return max;
  }

  public void setMax(Integer max) {
    this.max = max;
  }
}
