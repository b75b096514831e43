package dev.modelforge.engine.lora;

/**
 * The linear layers of a block that a LoRA adapter can adapt, with their Hugging Face module names
 * (Llama family) and GPT-2's Conv1D names. GPT-2's c_attn covers q, k and v at once.
 */
public enum LoraTarget {
  Q("self_attn.q_proj"),
  K("self_attn.k_proj"),
  V("self_attn.v_proj"),
  O("self_attn.o_proj"),
  GATE("mlp.gate_proj"),
  UP("mlp.up_proj"),
  DOWN("mlp.down_proj"),
  /** GPT-2: attn.c_attn, output [3C] = q | k | v. */
  QKV("attn.c_attn");

  private final String modulePath;

  LoraTarget(String modulePath) {
    this.modulePath = modulePath;
  }

  public String modulePath() {
    return modulePath;
  }

  /** GPT-2's module path for the targets it names differently. */
  public static String gpt2Path(LoraTarget t) {
    return switch (t) {
      case O -> "attn.c_proj";
      case UP -> "mlp.c_fc";
      case DOWN -> "mlp.c_proj";
      case QKV -> "attn.c_attn";
      default -> null;
    };
  }
}
