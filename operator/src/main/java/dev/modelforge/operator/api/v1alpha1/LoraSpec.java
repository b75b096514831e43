package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** LoRA settings, with PEFT's names and meaning. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoraSpec {

  @Required
  @Min(1)
  @Max(1024)
  @JsonPropertyDescription("Rank r of the A [r, in] and B [out, r] matrices.")
  private Integer rank;

  @Min(value = 0, inclusive = false)
  @JsonPropertyDescription(
      "lora_alpha; the update is scaled by alpha / rank. Defaults to 2 x rank.")
  private Double alpha;

  @Min(0)
  @Max(value = 1, inclusive = false)
  @JsonPropertyDescription("Dropout on the adapter input during training.")
  private Double dropout;

  @JsonPropertyDescription(
      "Linear layers that get adapters, such as q_proj and v_proj; all attention projections"
          + " when omitted.")
  private List<String> targetModules;

  public LoraSpec() {}

  public LoraSpec(Integer rank) {
    this.rank = rank;
  }

  public Integer getRank() {
    return rank;
  }

  public void setRank(Integer rank) {
    this.rank = rank;
  }

  public Double getAlpha() {
    return alpha;
  }

  public void setAlpha(Double alpha) {
    this.alpha = alpha;
  }

  public Double getDropout() {
    return dropout;
  }

  public void setDropout(Double dropout) {
    this.dropout = dropout;
  }

  public List<String> getTargetModules() {
    return targetModules;
  }

  public void setTargetModules(List<String> targetModules) {
    this.targetModules = targetModules;
  }
}
