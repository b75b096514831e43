package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Data type the engine computes in. */
public enum ServingDtype {
  /** The checkpoint's own dtype, or float32 on CPUs without bf16 support. */
  @JsonProperty("auto")
  AUTO,
  @JsonProperty("float32")
  FLOAT32,
  @JsonProperty("float16")
  FLOAT16,
  @JsonProperty("bfloat16")
  BFLOAT16
}
