package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Learning-rate schedule after the warmup. */
public enum LrScheduler {
  @JsonProperty("constant")
  CONSTANT,
  @JsonProperty("linear")
  LINEAR,
  @JsonProperty("cosine")
  COSINE
}
