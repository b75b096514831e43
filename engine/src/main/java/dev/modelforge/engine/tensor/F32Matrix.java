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
    for (int r = r0; r < r1; r++) {
      out[r] = dot1((long) r * cols * 4, x, 0, upper);
    }
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

  private float dot1(long rowBase, float[] x, int xOff, int upper) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int i = 0;
    int step = F.length();
    for (; i + 2 * step <= upper; i += 2 * step) {
      FloatVector w0 = FloatVector.fromMemorySegment(F, data, rowBase + i * 4L, LE);
      FloatVector w1 = FloatVector.fromMemorySegment(F, data, rowBase + (i + step) * 4L, LE);
      acc0 = w0.fma(FloatVector.fromArray(F, x, xOff + i), acc0);
      acc1 = w1.fma(FloatVector.fromArray(F, x, xOff + i + step), acc1);
    }
    for (; i < upper; i += step) {
      FloatVector w0 = FloatVector.fromMemorySegment(F, data, rowBase + i * 4L, LE);
      acc0 = w0.fma(FloatVector.fromArray(F, x, xOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < cols; i++) {
      sum += data.get(LE_FLOAT, rowBase + i * 4L) * x[xOff + i];
    }
    return sum;
  }
}
