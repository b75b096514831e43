package dev.modelforge.engine.model;

import dev.modelforge.engine.tensor.Matrix;

/**
 * The read-only weights of one transformer block. Linear weights are {@code [out, in]}; GPT-2's
 * Conv1D weights are transposed into that layout on load. Optional parts are null when the
 * architecture has none.
 *
 * @param attnNorm [C] RMSNorm / LayerNorm weight before attention
 * @param attnNormBias [C] LayerNorm bias (GPT-2)
 * @param wq [NH*HS, C]
 * @param wk [KVH*HS, C]
 * @param wv [KVH*HS, C]
 * @param bq [NH*HS] (Qwen2, GPT-2)
 * @param bk [KVH*HS]
 * @param bv [KVH*HS]
 * @param qNorm [HS] per-head RMSNorm of q (Qwen3)
 * @param kNorm [HS] per-head RMSNorm of k (Qwen3)
 * @param wo [C, NH*HS]
 * @param bo [C] (GPT-2)
 * @param ffnNorm [C] norm weight before the MLP
 * @param ffnNormBias [C] (GPT-2)
 * @param wGate [F, C] SwiGLU gate (null for GPT-2)
 * @param wUp [F, C] SwiGLU up, or GPT-2's c_fc
 * @param bUp [F] (GPT-2)
 * @param wDown [C, F] SwiGLU down, or GPT-2's MLP c_proj
 * @param bDown [C] (GPT-2)
 */
public record LayerWeights(
    float[] attnNorm,
    float[] attnNormBias,
    Matrix wq,
    Matrix wk,
    Matrix wv,
    float[] bq,
    float[] bk,
    float[] bv,
    float[] qNorm,
    float[] kNorm,
    Matrix wo,
    float[] bo,
    float[] ffnNorm,
    float[] ffnNormBias,
    Matrix wGate,
    Matrix wUp,
    float[] bUp,
    Matrix wDown,
    float[] bDown) {

  long matrixBytes() {
    long n = wq.byteSize() + wk.byteSize() + wv.byteSize() + wo.byteSize();
    n += wUp.byteSize() + wDown.byteSize();
    if (wGate != null) {
      n += wGate.byteSize();
    }
    return n;
  }
}
