package dev.modelforge.engine.lora;

import java.util.List;

/**
 * What to adapt and how: rank r, alpha (the update is scaled by alpha / r, or by alpha / √r with
 * rsLoRA, PEFT's {@code use_rslora}), dropout on the adapter's input, and the module kinds to adapt
 * by their Hugging Face names ({@code q_proj} ... {@code down_proj}; {@code c_attn}, {@code
 * c_proj}, {@code c_fc} for GPT-2).
 */
public record LoraSettings(
    int rank, double alpha, double dropout, List<String> targetModules, boolean rsLora) {

  public static final List<String> LLAMA_MODULES =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
  public static final List<String> GPT2_MODULES = List.of("c_attn", "c_proj", "c_fc");

  public LoraSettings {
    if (rank < 1) {
      throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
    }
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    if (targetModules == null || targetModules.isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module");
    }
    targetModules = List.copyOf(targetModules);
  }

  /** Plain LoRA: the update scaled by alpha / r. */
  public LoraSettings(int rank, double alpha, double dropout, List<String> targetModules) {
    this(rank, alpha, dropout, targetModules, false);
  }

  /**
   * What PEFT multiplies an adapter's {@code B·A·x} by: {@code alpha / r}, or {@code alpha / √r}
   * with rsLoRA ({@code use_rslora}). Serving, training and merging all scale by this.
   */
  public double scaling() {
    return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
  }
}
