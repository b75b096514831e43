package dev.modelforge.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The many-token product {@code out[t, r] = W[r] · x[t]} behind prefill and batched decode, over a
 * block of weight rows already widened to floats.
 *
 * <p>Two things make it fast. The row block is sized to stay in L2, and four tokens' activations
 * (at most a few tens of KiB) stay in L1 while every row of the block passes them, so neither
 * operand streams from memory more than once per block. And a 4-row × 4-token register block does
 * sixteen FMAs for eight loads, which keeps the FMA ports busy instead of waiting on loads. Each
 * {@code (row, token)} result is one accumulator summed in index order, the same arithmetic as
 * {@link VectorMath#dotRowWithTokens}, so results do not depend on how rows are blocked.
 */
final class RowBlockProduct {

  private static final VectorSpecies<Float> F = VectorMath.F;

  /** Bytes of widened weights one block may take: well inside a core's L2. */
  private static final int BLOCK_BYTES = 128 * 1024;

  private RowBlockProduct() {}

  /** Rows per block for rows of {@code cols} floats: a multiple of four, at least four. */
  static int blockRows(int cols) {
    return Math.max(4, BLOCK_BYTES / (cols * Float.BYTES)) & ~3;
  }

  /**
   * {@code out[t * outStride + r0 + j] = w[j * n ..] · x[t * n ..]} for rows {@code j < count} and
   * tokens {@code t < tokens}.
   */
  static void multiply(
      float[] w, int count, float[] x, int tokens, int n, float[] out, int outStride, int r0) {
    int fullRows = count & ~3;
    int t = 0;
    for (; t + 4 <= tokens; t += 4) {
      for (int j = 0; j < fullRows; j += 4) {
        block4x4(w, j * n, x, t, n, out, outStride, r0 + j);
      }
    }
    for (; t < tokens; t++) {
      for (int j = 0; j < fullRows; j++) {
        out[t * outStride + r0 + j] = VectorMath.dot(w, j * n, x, t * n, n);
      }
    }
    for (int j = fullRows; j < count; j++) {
      VectorMath.dotRowWithTokens(w, j * n, x, tokens, n, out, outStride, r0 + j);
    }
  }

  /** Rows {@code r .. r+3} (at {@code w[wOff ..]}, stride n) times tokens {@code t .. t+3}. */
  private static void block4x4(
      float[] w, int wOff, float[] x, int t, int n, float[] out, int outStride, int r) {
    int w0 = wOff;
    int w1 = w0 + n;
    int w2 = w1 + n;
    int w3 = w2 + n;
    int x0 = t * n;
    int x1 = x0 + n;
    int x2 = x1 + n;
    int x3 = x2 + n;
    FloatVector s00 = FloatVector.zero(F);
    FloatVector s01 = s00;
    FloatVector s02 = s00;
    FloatVector s03 = s00;
    FloatVector s10 = s00;
    FloatVector s11 = s00;
    FloatVector s12 = s00;
    FloatVector s13 = s00;
    FloatVector s20 = s00;
    FloatVector s21 = s00;
    FloatVector s22 = s00;
    FloatVector s23 = s00;
    FloatVector s30 = s00;
    FloatVector s31 = s00;
    FloatVector s32 = s00;
    FloatVector s33 = s00;
    int upper = F.loopBound(n);
    int i = 0;
    for (; i < upper; i += F.length()) {
      FloatVector v0 = FloatVector.fromArray(F, x, x0 + i);
      FloatVector v1 = FloatVector.fromArray(F, x, x1 + i);
      FloatVector v2 = FloatVector.fromArray(F, x, x2 + i);
      FloatVector v3 = FloatVector.fromArray(F, x, x3 + i);
      FloatVector wv = FloatVector.fromArray(F, w, w0 + i);
      s00 = wv.fma(v0, s00);
      s01 = wv.fma(v1, s01);
      s02 = wv.fma(v2, s02);
      s03 = wv.fma(v3, s03);
      wv = FloatVector.fromArray(F, w, w1 + i);
      s10 = wv.fma(v0, s10);
      s11 = wv.fma(v1, s11);
      s12 = wv.fma(v2, s12);
      s13 = wv.fma(v3, s13);
      wv = FloatVector.fromArray(F, w, w2 + i);
      s20 = wv.fma(v0, s20);
      s21 = wv.fma(v1, s21);
      s22 = wv.fma(v2, s22);
      s23 = wv.fma(v3, s23);
      wv = FloatVector.fromArray(F, w, w3 + i);
      s30 = wv.fma(v0, s30);
      s31 = wv.fma(v1, s31);
      s32 = wv.fma(v2, s32);
      s33 = wv.fma(v3, s33);
    }
    int o0 = t * outStride + r;
    int o1 = o0 + outStride;
    int o2 = o1 + outStride;
    int o3 = o2 + outStride;
    out[o0] = s00.reduceLanes(VectorOperators.ADD);
    out[o1] = s01.reduceLanes(VectorOperators.ADD);
    out[o2] = s02.reduceLanes(VectorOperators.ADD);
    out[o3] = s03.reduceLanes(VectorOperators.ADD);
    out[o0 + 1] = s10.reduceLanes(VectorOperators.ADD);
    out[o1 + 1] = s11.reduceLanes(VectorOperators.ADD);
    out[o2 + 1] = s12.reduceLanes(VectorOperators.ADD);
    out[o3 + 1] = s13.reduceLanes(VectorOperators.ADD);
    out[o0 + 2] = s20.reduceLanes(VectorOperators.ADD);
    out[o1 + 2] = s21.reduceLanes(VectorOperators.ADD);
    out[o2 + 2] = s22.reduceLanes(VectorOperators.ADD);
    out[o3 + 2] = s23.reduceLanes(VectorOperators.ADD);
    out[o0 + 3] = s30.reduceLanes(VectorOperators.ADD);
    out[o1 + 3] = s31.reduceLanes(VectorOperators.ADD);
    out[o2 + 3] = s32.reduceLanes(VectorOperators.ADD);
    out[o3 + 3] = s33.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      for (int rr = 0; rr < 4; rr++) {
        float wi = w[wOff + rr * n + i];
        out[o0 + rr] += wi * x[x0 + i];
        out[o1 + rr] += wi * x[x1 + i];
        out[o2 + rr] += wi * x[x2 + i];
        out[o3 + rr] += wi * x[x3 + i];
      }
    }
  }
}
