package dev.modelforge.engine.config;

import java.util.Locale;

/**
 * The decoder families the engine runs, and how each differs from the Llama baseline. One forward
 * pass serves them all; these flags choose its variants.
 */
public enum Architecture {
  LLAMA("LlamaForCausalLM", "llama"),
  MISTRAL("MistralForCausalLM", "mistral"),
  QWEN2("Qwen2ForCausalLM", "qwen2"),
  QWEN3("Qwen3ForCausalLM", "qwen3"),
  GPT2("GPT2LMHeadModel", "gpt2");

  private final String hfClass;
  private final String modelType;

  Architecture(String hfClass, String modelType) {
    this.hfClass = hfClass;
    this.modelType = modelType;
  }

  public String hfClass() {
    return hfClass;
  }

  public String modelType() {
    return modelType;
  }

  /** GPT-2 uses LayerNorm with bias, learned positions, GELU and biases everywhere. */
  public boolean isGpt2() {
    return this == GPT2;
  }

  /** Qwen2 adds a bias to the q, k and v projections. */
  public boolean defaultQkvBias() {
    return this == QWEN2;
  }

  /** Qwen3 normalises each head of q and k with RMSNorm before RoPE. */
  public boolean qkNorm() {
    return this == QWEN3;
  }

  public static Architecture fromHf(String architectureOrModelType) {
    String s = architectureOrModelType.toLowerCase(Locale.ROOT);
    for (Architecture a : values()) {
      if (a.hfClass.toLowerCase(Locale.ROOT).equals(s) || a.modelType.equals(s)) {
        return a;
      }
    }
    return null;
  }
}
