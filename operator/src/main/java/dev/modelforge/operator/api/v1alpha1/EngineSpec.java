package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Serving engine settings; omitted values take the engine's defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EngineSpec {

  @Min(1)
  @Max(4096)
  @JsonPropertyDescription("Most sequences decoded together in one continuous batch.")
  private Integer maxBatchSize;

  @Min(16)
  @JsonPropertyDescription(
      "Longest prompt plus completion, in tokens; at most the model's context length.")
  private Integer maxSequenceLength;

  @JsonPropertyDescription("Reuse KV-cache blocks of shared prompt prefixes across requests.")
  private Boolean prefixCaching;

  @JsonPropertyDescription("Compute dtype: auto, float32, float16 or bfloat16.")
  private ServingDtype dtype;

  public Integer getMaxBatchSize() {
    return maxBatchSize;
  }

  public void setMaxBatchSize(Integer maxBatchSize) {
    this.maxBatchSize = maxBatchSize;
  }

  public Integer getMaxSequenceLength() {
    return maxSequenceLength;
  }

  public void setMaxSequenceLength(Integer maxSequenceLength) {
    this.maxSequenceLength = maxSequenceLength;
  }

  public Boolean getPrefixCaching() {
    return prefixCaching;
  }

  public void setPrefixCaching(Boolean prefixCaching) {
    this.prefixCaching = prefixCaching;
  }

  public ServingDtype getDtype() {
    return dtype;
  }

  public void setDtype(ServingDtype dtype) {
    this.dtype = dtype;
  }
}
