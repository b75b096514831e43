package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** F32 weights, read straight from (usually memory-mapped) little-endian storage. */
public final class F32Matrix extends Matrix {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  private static final int GEMV_ROWS = 8;

  private final MemorySegment data;

  public F32Matrix(int rows, int cols, MemorySegment data) {
    super(rows, cols);
    if (data.byteSize() != (long) rows * cols * 4) {
      throw new IllegalArgumentException(
          "F32 matrix ["
              + rows
              + ", "
              + cols
              + "] needs "
              + (long) rows * cols * 4
              + " bytes, got "
              + data.byteSize());
    }
    this.data = data;
  }

  public static F32Matrix of(int rows, int cols, float[] values) {
    MemorySegment seg = MemorySegment.ofArray(values.clone());
    return new F32Matrix(rows, cols, seg);
  }

  @Override
  public DType dtype() {
    return DType.F32;
  }

  @Override
  public long byteSize() {
    return data.byteSize();
  }

  @Override
  public float get(int r, int c) {
    return data.get(LE_FLOAT, ((long) r * cols + c) * 4);
  }

  @Override
  public void readRow(int r, float[] dst, int off) {
    MemorySegment.copy(data, LE_FLOAT, (long) r * cols * 4, dst, off, cols);
  }

  @Override
  protected void gemvRows(float[] x, float[] out, int r0, int r1) {
    int upper = F.loopBound(cols);
    int r = r0;
    // eight rows at a time: eight weight streams in flight keep more cache-line fills outstanding
    // than one row's, which is what a bandwidth-bound decode needs; a row left over sums in the
    // same order, so no output depends on how the rows were split between threads
    for (; r + GEMV_ROWS <= r1; r += GEMV_ROWS) {
      dot8(r, x, upper, out);
    }
    for (; r < r1; r++) {
      out[r] = dot1((long) r * cols * 4, x, upper);
    }
  }

  /** Rows {@code [r, r + 8)} times {@code x}, into {@code out[r .. r + 8)}. */
  private void dot8(int r, float[] x, int upper, float[] out) {
    long stride = (long) cols * 4;
    long base = r * stride;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = FloatVector.zero(F);
    FloatVector a2 = FloatVector.zero(F);
    FloatVector a3 = FloatVector.zero(F);
    FloatVector a4 = FloatVector.zero(F);
    FloatVector a5 = FloatVector.zero(F);
    FloatVector a6 = FloatVector.zero(F);
    FloatVector a7 = FloatVector.zero(F);
    for (int i = 0; i < upper; i += F.length()) {
      FloatVector xv = FloatVector.fromArray(F, x, i);
      long at = base + i * 4L;
      a0 = FloatVector.fromMemorySegment(F, data, at, LE).fma(xv, a0);
      a1 = FloatVector.fromMemorySegment(F, data, at + stride, LE).fma(xv, a1);
      a2 = FloatVector.fromMemorySegment(F, data, at + 2 * stride, LE).fma(xv, a2);
      a3 = FloatVector.fromMemorySegment(F, data, at + 3 * stride, LE).fma(xv, a3);
      a4 = FloatVector.fromMemorySegment(F, data, at + 4 * stride, LE).fma(xv, a4);
      a5 = FloatVector.fromMemorySegment(F, data, at + 5 * stride, LE).fma(xv, a5);
      a6 = FloatVector.fromMemorySegment(F, data, at + 6 * stride, LE).fma(xv, a6);
      a7 = FloatVector.fromMemorySegment(F, data, at + 7 * stride, LE).fma(xv, a7);
    }
    out[r] = a0.reduceLanes(VectorOperators.ADD) + tail(base, x, upper);
    out[r + 1] = a1.reduceLanes(VectorOperators.ADD) + tail(base + stride, x, upper);
    out[r + 2] = a2.reduceLanes(VectorOperators.ADD) + tail(base + 2 * stride, x, upper);
    out[r + 3] = a3.reduceLanes(VectorOperators.ADD) + tail(base + 3 * stride, x, upper);
    out[r + 4] = a4.reduceLanes(VectorOperators.ADD) + tail(base + 4 * stride, x, upper);
    out[r + 5] = a5.reduceLanes(VectorOperators.ADD) + tail(base + 5 * stride, x, upper);
    out[r + 6] = a6.reduceLanes(VectorOperators.ADD) + tail(base + 6 * stride, x, upper);
    out[r + 7] = a7.reduceLanes(VectorOperators.ADD) + tail(base + 7 * stride, x, upper);
  }

  /** The columns past the last whole vector. */
  private float tail(long rowBase, float[] x, int from) {
    float sum = 0;
    for (int i = from; i < cols; i++) {
      sum += data.get(LE_FLOAT, rowBase + i * 4L) * x[i];
    }
    return sum;
  }

  /** Many tokens: the stored rows are read in place, an L2-sized block at a time. */
  @Override
  protected void manyTokenRows(float[] x, int tokens, float[] out, int r0, int r1) {
    int block = RowBlockProduct.blockRows(cols);
    for (int b0 = r0; b0 < r1; b0 += block) {
      int count = Math.min(block, r1 - b0);
      RowBlockProduct.multiply(data, (long) b0 * cols * 4, count, x, tokens, cols, out, rows, b0);
    }
  }

  /** One row times {@code x}, summed in the same order as a row of {@link #dot8}. */
  private float dot1(long rowBase, float[] x, int upper) {
    FloatVector acc = FloatVector.zero(F);
    for (int i = 0; i < upper; i += F.length()) {
      acc =
          FloatVector.fromMemorySegment(F, data, rowBase + i * 4L, LE)
              .fma(FloatVector.fromArray(F, x, i), acc);
    }
    return acc.reduceLanes(VectorOperators.ADD) + tail(rowBase, x, upper);
  }
}
