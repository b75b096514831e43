package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which weights training changes. */
public enum TrainingMethodType {
  /** Low-rank adapters next to frozen base weights; the output is a small adapter Model. */
  @JsonProperty("lora")
  LORA,
  /** Every weight; the output is a full Model. */
  @JsonProperty("full")
  FULL
}
