package dev.modelforge.engine.lora;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.TensorNames;
import dev.modelforge.engine.config.TensorNames.Tensor;

/**
 * The linear layers of a block that a LoRA adapter can adapt. Their module names are {@link
 * TensorNames}'s: the Llama family's q/k/v/o and gate/up/down projections, GPT-2's Conv1D c_attn
 * (q, k and v at once), c_proj and c_fc.
 */
public enum LoraTarget {
  Q(Tensor.Q),
  K(Tensor.K),
  V(Tensor.V),
  O(Tensor.O),
  GATE(Tensor.GATE),
  UP(Tensor.UP),
  DOWN(Tensor.DOWN),
  /** GPT-2: attn.c_attn, output [3C] = q | k | v. */
  QKV(Tensor.QKV);

  private final Tensor weight;

  LoraTarget(Tensor weight) {
    this.weight = weight;
  }

  /** The weight this target adapts. */
  public Tensor weight() {
    return weight;
  }

  /** Layer {@code layer}'s module of this target in {@code arch}, or null if it has none. */
  public String module(Architecture arch, int layer) {
    TensorNames names = TensorNames.of(arch);
    return names.has(weight) ? names.module(weight, layer) : null;
  }
}
