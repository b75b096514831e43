package dev.modelforge.engine.train;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.LoraActivations;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What one block's forward pass keeps for its backward pass, for N = B · T rows. Buffers that the
 * architecture does not use are null.
 */
final class BlockActivations {

  /** [N, C] the residual stream entering the block. */
  final float[] residIn;

  /** [N, C] attention-norm output; [N] its mean (LayerNorm) and reciprocal std. */
  final float[] ln1;

  final float[] ln1Mean;
  final float[] ln1Rstd;

  /** [N, 3C] GPT-2's fused q | k | v. */
  final float[] qkv;

  /** [N, NH·HS] and [N, KVH·HS] projections before Qwen3's per-head norm. */
  final float[] qRaw;

  final float[] kRaw;

  /** [N·NH] and [N·KVH] reciprocal RMS of each head (Qwen3). */
  final float[] qRstd;

  final float[] kRstd;

  /** [N, NH·HS], [N, KVH·HS] ×2: q and k after norm and RoPE, v. */
  final float[] q;

  final float[] k;
  final float[] v;

  /** [B, NH, T, T] attention probabilities. */
  final float[] att;

  /** [N, NH·HS] attention output, input of the output projection. */
  final float[] attOut;

  /** [N, C] the residual stream after attention. */
  final float[] residMid;

  final float[] ln2;
  final float[] ln2Mean;
  final float[] ln2Rstd;

  /** [N, F] SwiGLU gate (Llama family). */
  final float[] gate;

  /** [N, F] SwiGLU up, or GPT-2's c_fc output before GELU. */
  final float[] up;

  /** [N, F] MLP hidden activation, input of the down projection. */
  final float[] hidden;

  private final Map<Linear, LoraActivations> lora = new IdentityHashMap<>();

  BlockActivations(ModelConfig c, BlockParameters params, int batch, int seqLen) {
    int n = batch * seqLen;
    boolean gpt2 = c.architecture().isGpt2();
    boolean qkNorm = params.qNorm() != null;
    residIn = new float[n * c.dim()];
    ln1 = new float[n * c.dim()];
    ln1Mean = new float[n];
    ln1Rstd = new float[n];
    qkv = gpt2 ? new float[n * 3 * c.dim()] : null;
    qRaw = qkNorm ? new float[n * c.qDim()] : null;
    kRaw = qkNorm ? new float[n * c.kvDim()] : null;
    qRstd = qkNorm ? new float[n * c.heads()] : null;
    kRstd = qkNorm ? new float[n * c.kvHeads()] : null;
    q = gpt2 ? null : new float[n * c.qDim()];
    k = gpt2 ? null : new float[n * c.kvDim()];
    v = gpt2 ? null : new float[n * c.kvDim()];
    att = new float[batch * c.heads() * seqLen * seqLen];
    attOut = new float[n * c.qDim()];
    residMid = new float[n * c.dim()];
    ln2 = new float[n * c.dim()];
    ln2Mean = new float[n];
    ln2Rstd = new float[n];
    gate = gpt2 ? null : new float[n * c.ffnDim()];
    up = new float[n * c.ffnDim()];
    hidden = new float[n * c.ffnDim()];
    for (Linear l : params.linears()) {
      if (l.lora() != null) {
        lora.put(l, new LoraActivations(n, l.in(), l.out(), l.lora()));
      }
    }
  }

  /** The LoRA branch's activations of {@code layer}, or null when it has no adapter. */
  LoraActivations lora(Linear layer) {
    return lora.get(layer);
  }
}
