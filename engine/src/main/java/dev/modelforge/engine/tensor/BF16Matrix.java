package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * BF16 weights: the upper half of an F32, widened in registers by a 16-bit shift, so a decode step
 * reads half the bytes of F32.
 */
public final class BF16Matrix extends Matrix {

  private static final VectorSpecies<Float> F = VectorMath.F;
  private static final VectorSpecies<Short> S =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
  private static final VectorSpecies<Integer> I = F.withLanes(int.class).withShape(F.vectorShape());
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment data;

  public BF16Matrix(int rows, int cols, MemorySegment data) {
    super(rows, cols);
    if (data.byteSize() != (long) rows * cols * 2) {
      throw new IllegalArgumentException(
          "BF16 matrix [" + rows + ", " + cols + "] needs " + (long) rows * cols * 2 + " bytes");
    }
    this.data = data;
  }

  @Override
  public DType dtype() {
    return DType.BF16;
  }

  @Override
  public long byteSize() {
    return data.byteSize();
  }

  public static float toFloat(short bits) {
    return Float.intBitsToFloat(bits << 16);
  }

  /** Rounds to nearest even, as PyTorch does when casting to bfloat16. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  @Override
  public float get(int r, int c) {
    return toFloat(data.get(LE_SHORT, ((long) r * cols + c) * 2));
  }

  @Override
  public void readRow(int r, float[] dst, int off) {
    long base = (long) r * cols * 2;
    int i = 0;
    for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
      widen(base + i * 2L).intoArray(dst, off + i);
    }
    for (; i < cols; i++) {
      dst[off + i] = toFloat(data.get(LE_SHORT, base + i * 2L));
    }
  }

  private FloatVector widen(long byteOffset) {
    ShortVector s = ShortVector.fromMemorySegment(S, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
    IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
    return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  @Override
  protected void gemvRows(float[] x, float[] out, int r0, int r1) {
    int upper = F.loopBound(cols);
    for (int r = r0; r < r1; r++) {
      long base = (long) r * cols * 2;
      FloatVector acc0 = FloatVector.zero(F);
      FloatVector acc1 = FloatVector.zero(F);
      int step = F.length();
      int i = 0;
      for (; i + 2 * step <= upper; i += 2 * step) {
        acc0 = widen(base + i * 2L).fma(FloatVector.fromArray(F, x, i), acc0);
        acc1 = widen(base + (i + step) * 2L).fma(FloatVector.fromArray(F, x, i + step), acc1);
      }
      for (; i < upper; i += step) {
        acc0 = widen(base + i * 2L).fma(FloatVector.fromArray(F, x, i), acc0);
      }
      float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
      for (; i < cols; i++) {
        sum += toFloat(data.get(LE_SHORT, base + i * 2L)) * x[i];
      }
      out[r] = sum;
    }
  }
}
