package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How each JSONL line of a dataset is read. */
public enum DatasetFormat {
  /** {"text": "..."}: the loss covers every token. */
  @JsonProperty("text")
  TEXT,
  /** {"prompt": "...", "completion": "..."}: the loss covers the completion only. */
  @JsonProperty("prompt-completion")
  PROMPT_COMPLETION,
  /** {"messages": [{role, content}, ...]}: rendered with the chat template. */
  @JsonProperty("chat")
  CHAT
}
