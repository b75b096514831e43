package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 weights in GGUF's block layout (per 32 values: an f16 scale, then 32 int8), used as stored
 * so a GGUF file needs no repacking. A decode step reads ~1.06 bytes per weight instead of 4.
 */
public final class Q8Matrix extends Matrix {

  static final int BLOCK = 32;
  static final int BLOCK_BYTES = 34;
  private static final VectorSpecies<Float> F = VectorMath.F;
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.length() * 8)));
  private static final int PARTS = B.length() / F.length();
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment data;
  private final int blocksPerRow;

  public Q8Matrix(int rows, int cols, MemorySegment data) {
    super(rows, cols);
    if (cols % BLOCK != 0) {
      throw new IllegalArgumentException("Q8_0 needs a row length divisible by 32, got " + cols);
    }
    this.blocksPerRow = cols / BLOCK;
    if (data.byteSize() != (long) rows * blocksPerRow * BLOCK_BYTES) {
      throw new IllegalArgumentException("Q8_0 matrix [" + rows + ", " + cols + "] size mismatch");
    }
    this.data = data;
  }

  @Override
  public DType dtype() {
    return DType.Q8_0;
  }

  @Override
  public long byteSize() {
    return data.byteSize();
  }

  @Override
  public float get(int r, int c) {
    long block = ((long) r * blocksPerRow + c / BLOCK) * BLOCK_BYTES;
    float d = Float.float16ToFloat(data.get(LE_SHORT, block));
    return d * data.get(ValueLayout.JAVA_BYTE, block + 2 + c % BLOCK);
  }

  @Override
  public void readRow(int r, float[] dst, int off) {
    long rowBase = (long) r * blocksPerRow * BLOCK_BYTES;
    for (int b = 0; b < blocksPerRow; b++) {
      long block = rowBase + (long) b * BLOCK_BYTES;
      float d = Float.float16ToFloat(data.get(LE_SHORT, block));
      for (int j = 0; j < BLOCK; j++) {
        dst[off + b * BLOCK + j] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + j);
      }
    }
  }

  @Override
  protected void gemvRows(float[] x, float[] out, int r0, int r1) {
    // two rows at a time from the two halves of the range: rows next to each other would be one
    // memory stream, rows half a range apart are two, which the prefetchers run ahead on at once
    int half = (r1 - r0) / 2;
    for (int i = 0; i < half; i++) {
      dot2(r0 + i, r0 + half + i, x, out);
    }
    if ((r1 - r0) % 2 != 0) {
      out[r1 - 1] = dotRow(r1 - 1, x);
    }
  }

  /** Rows {@code a} and {@code b} times {@code x}, each summed exactly as {@link #dotRow} does. */
  private void dot2(int a, int b, float[] x, float[] out) {
    long rowBytes = (long) blocksPerRow * BLOCK_BYTES;
    long baseA = a * rowBytes;
    long baseB = b * rowBytes;
    FloatVector totalA = FloatVector.zero(F);
    FloatVector totalB = FloatVector.zero(F);
    for (int k = 0; k < blocksPerRow; k++) {
      long blockA = baseA + (long) k * BLOCK_BYTES;
      long blockB = baseB + (long) k * BLOCK_BYTES;
      FloatVector accA = FloatVector.zero(F);
      FloatVector accB = FloatVector.zero(F);
      int xBase = k * BLOCK;
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector qa =
            ByteVector.fromMemorySegment(B, data, blockA + 2 + j, ByteOrder.LITTLE_ENDIAN);
        ByteVector qb =
            ByteVector.fromMemorySegment(B, data, blockB + 2 + j, ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p < PARTS; p++) {
          FloatVector xv = FloatVector.fromArray(F, x, xBase + j + p * F.length());
          accA = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, p)).fma(xv, accA);
          accB = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, p)).fma(xv, accB);
        }
      }
      totalA = accA.fma(FloatVector.broadcast(F, scale(blockA)), totalA);
      totalB = accB.fma(FloatVector.broadcast(F, scale(blockB)), totalB);
    }
    out[a] = totalA.reduceLanes(VectorOperators.ADD);
    out[b] = totalB.reduceLanes(VectorOperators.ADD);
  }

  private float scale(long block) {
    return Float.float16ToFloat(data.get(LE_SHORT, block));
  }

  private float dotRow(int r, float[] x) {
    long rowBase = (long) r * blocksPerRow * BLOCK_BYTES;
    FloatVector total = FloatVector.zero(F);
    for (int b = 0; b < blocksPerRow; b++) {
      long block = rowBase + (long) b * BLOCK_BYTES;
      float d = scale(block);
      FloatVector acc = FloatVector.zero(F);
      int xBase = b * BLOCK;
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector q =
            ByteVector.fromMemorySegment(B, data, block + 2 + j, ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p < PARTS; p++) {
          FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
          acc = w.fma(FloatVector.fromArray(F, x, xBase + j + p * F.length()), acc);
        }
      }
      total = acc.fma(FloatVector.broadcast(F, d), total);
    }
    return total.reduceLanes(VectorOperators.ADD);
  }

  /** Quantizes a float matrix row by row with ggml's reference rounding. */
  public static Q8Matrix quantize(Matrix source, java.lang.foreign.Arena arena) {
    int rows = source.rows();
    int cols = source.cols();
    if (cols % BLOCK != 0) {
      throw new IllegalArgumentException("Q8_0 needs a row length divisible by 32, got " + cols);
    }
    MemorySegment seg = WeightMemory.allocate(arena, (long) rows * (cols / BLOCK) * BLOCK_BYTES);
    float[] row = new float[cols];
    for (int r = 0; r < rows; r++) {
      source.readRow(r, row, 0);
      Quantization.quantizeQ8_0(row, 0, cols, seg, (long) r * (cols / BLOCK) * BLOCK_BYTES);
    }
    return new Q8Matrix(rows, cols, seg);
  }
}
