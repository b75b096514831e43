package dev.modelforge.engine.train;

import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The parameters of one transformer block. Llama-family blocks have separate q, k and v projections
 * and a SwiGLU MLP; GPT-2 blocks have one fused {@code c_attn} (q | k | v rows) and a GELU MLP
 * ({@code up} is {@code c_fc}, {@code down} is {@code mlp.c_proj}). Absent parts are null.
 *
 * @param attnNorm [C]
 * @param attnNormBias [C] (GPT-2)
 * @param q [NH·HS, C] (Llama family)
 * @param k [KVH·HS, C]
 * @param v [KVH·HS, C]
 * @param qkv [3C, C] (GPT-2)
 * @param qNorm [HS] per-head RMSNorm weight of q (Qwen3)
 * @param kNorm [HS]
 * @param o [C, NH·HS]
 * @param ffnNorm [C]
 * @param ffnNormBias [C] (GPT-2)
 * @param gate [F, C] (Llama family)
 * @param up [F, C]
 * @param down [C, F]
 */
public record BlockParameters(
    Parameter attnNorm,
    Parameter attnNormBias,
    Linear q,
    Linear k,
    Linear v,
    Linear qkv,
    Parameter qNorm,
    Parameter kNorm,
    Linear o,
    Parameter ffnNorm,
    Parameter ffnNormBias,
    Linear gate,
    Linear up,
    Linear down) {

  /** The linear layers present, in a fixed order. */
  public List<Linear> linears() {
    List<Linear> all = new ArrayList<>();
    for (Linear l : new Linear[] {q, k, v, qkv, o, gate, up, down}) {
      if (l != null) {
        all.add(l);
      }
    }
    return all;
  }

  /** Every base parameter present (not LoRA), in a fixed order. */
  public List<Parameter> parameters() {
    List<Parameter> all = new ArrayList<>();
    all.add(attnNorm);
    all.add(attnNormBias);
    for (Linear l : linears()) {
      if (l == o) {
        all.add(qNorm);
        all.add(kNorm);
      }
      all.add(l.weight());
      all.add(l.bias());
    }
    all.add(ffnNorm);
    all.add(ffnNormBias);
    all.removeIf(Objects::isNull);
    return all;
  }
}
