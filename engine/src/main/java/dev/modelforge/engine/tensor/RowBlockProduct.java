package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The many-token product {@code out[t, r] = W[r] · x[t]} behind prefill and batched decode for
 * weights stored in another type than F32: a block of rows widened into an F32 scratch buffer. (F32
 * weights are repacked on load and have their own outer-product kernels, {@link F32Matrix}.)
 *
 * <p>Two things make it fast. The row block is sized to stay in L2, and four tokens' activations
 * (at most a few tens of KiB) stay in L1 while every row of the block passes them, so neither
 * operand streams from memory more than once per block. And a 4-row × 4-token register block does
 * sixteen FMAs for eight loads, which keeps the FMA ports busy instead of waiting on loads. Each
 * {@code (row, token)} result, in the register block or in the edges left over, is one accumulator
 * summed in index order, so a token's result does not depend on the rows or tokens around it.
 */
final class RowBlockProduct {

  private static final VectorSpecies<Float> F = VectorMath.F;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

  /** Bytes of weights one block may take: well inside a core's L2. */
  private static final int BLOCK_BYTES = 128 * 1024;

  /** The most token activations read from L2 for every 4-row group instead of kept in L1. */
  private static final long TOKENS_IN_L2_BYTES = 128 * 1024;

  private RowBlockProduct() {}

  /** Rows per block for rows of {@code cols} floats: a multiple of four, at least four. */
  static int blockRows(int cols) {
    return Math.max(4, BLOCK_BYTES / (cols * Float.BYTES)) & ~3;
  }

  /**
   * {@code out[t * outStride + r0 + j] = W[j] · x[t * n ..]} for rows {@code j < count} and tokens
   * {@code t < tokens}, where row j is {@code n} little-endian floats at byte {@code w0 + j * n *
   * 4} of {@code w}.
   */
  static void multiply(
      MemorySegment w,
      long w0,
      int count,
      float[] x,
      int tokens,
      int n,
      float[] out,
      int outStride,
      int r0) {
    int fullRows = count & ~3;
    int fullTokens = tokens & ~3;
    long rowBytes = (long) n * Float.BYTES;
    if ((long) tokens * rowBytes <= TOKENS_IN_L2_BYTES) {
      // few tokens (a decode batch): each 4-row group is fetched from memory once and used by all
      // token groups while it sits in L1, so the weight stream runs alongside the arithmetic
      // instead of in a burst at the first token group
      for (int j = 0; j < fullRows; j += 4) {
        for (int t = 0; t < fullTokens; t += 4) {
          block4x4(w, w0 + j * rowBytes, x, t, n, out, outStride, r0 + j);
        }
      }
    } else {
      // many tokens (prefill): the block stays in L2 and each token group's rows stay in L1
      for (int t = 0; t < fullTokens; t += 4) {
        for (int j = 0; j < fullRows; j += 4) {
          block4x4(w, w0 + j * rowBytes, x, t, n, out, outStride, r0 + j);
        }
      }
    }
    for (int j = 0; j < count; j++) {
      for (int t = j < fullRows ? fullTokens : 0; t < tokens; t++) {
        out[t * outStride + r0 + j] = dot(w, w0 + j * rowBytes, x, t * n, n);
      }
    }
  }

  /** One row and one token: the arithmetic of one lane of {@link #block4x4}. */
  private static float dot(MemorySegment w, long wOff, float[] x, int xOff, int n) {
    FloatVector acc = FloatVector.zero(F);
    int upper = F.loopBound(n);
    int i = 0;
    for (; i < upper; i += F.length()) {
      acc =
          FloatVector.fromMemorySegment(F, w, wOff + i * 4L, LE)
              .fma(FloatVector.fromArray(F, x, xOff + i), acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += w.get(LE_FLOAT, wOff + i * 4L) * x[xOff + i];
    }
    return sum;
  }

  /**
   * Rows {@code r .. r+3} (from byte {@code wOff}, n floats apart) times tokens {@code t .. t+3}.
   */
  private static void block4x4(
      MemorySegment w, long wOff, float[] x, int t, int n, float[] out, int outStride, int r) {
    long w1 = wOff + n * 4L;
    long w2 = w1 + n * 4L;
    long w3 = w2 + n * 4L;
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
      FloatVector wv = FloatVector.fromMemorySegment(F, w, wOff + i * 4L, LE);
      s00 = wv.fma(v0, s00);
      s01 = wv.fma(v1, s01);
      s02 = wv.fma(v2, s02);
      s03 = wv.fma(v3, s03);
      wv = FloatVector.fromMemorySegment(F, w, w1 + i * 4L, LE);
      s10 = wv.fma(v0, s10);
      s11 = wv.fma(v1, s11);
      s12 = wv.fma(v2, s12);
      s13 = wv.fma(v3, s13);
      wv = FloatVector.fromMemorySegment(F, w, w2 + i * 4L, LE);
      s20 = wv.fma(v0, s20);
      s21 = wv.fma(v1, s21);
      s22 = wv.fma(v2, s22);
      s23 = wv.fma(v3, s23);
      wv = FloatVector.fromMemorySegment(F, w, w3 + i * 4L, LE);
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
        float wi = w.get(LE_FLOAT, wOff + (rr * (long) n + i) * 4L);
        out[o0 + rr] += wi * x[x0 + i];
        out[o1 + rr] += wi * x[x1 + i];
        out[o2 + rr] += wi * x[x2 + i];
        out[o3 + rr] += wi * x[x3 + i];
      }
    }
  }
}
