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
 * Q4_0 weights in GGUF's block layout (per 32 values: an f16 scale, then 16 bytes whose low nibbles
 * are elements 0-15 and high nibbles 16-31, each minus 8).
 */
public final class Q4Matrix extends Matrix {

  static final int BLOCK = 32;
  static final int BLOCK_BYTES = 18;
  private static final VectorSpecies<Float> F = VectorMath.F;
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(
          byte.class, VectorShape.forBitSize(Math.max(64, Math.min(128, F.length() * 8))));
  private static final int PARTS = B.length() / F.length();
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment data;
  private final int blocksPerRow;

  public Q4Matrix(int rows, int cols, MemorySegment data) {
    super(rows, cols);
    if (cols % BLOCK != 0) {
      throw new IllegalArgumentException("Q4_0 needs a row length divisible by 32, got " + cols);
    }
    this.blocksPerRow = cols / BLOCK;
    if (data.byteSize() != (long) rows * blocksPerRow * BLOCK_BYTES) {
      throw new IllegalArgumentException("Q4_0 matrix [" + rows + ", " + cols + "] size mismatch");
    }
    this.data = data;
  }

  @Override
  public DType dtype() {
    return DType.Q4_0;
  }

  @Override
  public long byteSize() {
    return data.byteSize();
  }

  @Override
  public float get(int r, int c) {
    long block = ((long) r * blocksPerRow + c / BLOCK) * BLOCK_BYTES;
    float d = Float.float16ToFloat(data.get(LE_SHORT, block));
    int j = c % BLOCK;
    int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + (j & 15)) & 0xFF;
    int q = j < 16 ? packed & 0x0F : packed >>> 4;
    return d * (q - 8);
  }

  @Override
  public void readRow(int r, float[] dst, int off) {
    long rowBase = (long) r * blocksPerRow * BLOCK_BYTES;
    for (int b = 0; b < blocksPerRow; b++) {
      long block = rowBase + (long) b * BLOCK_BYTES;
      float d = Float.float16ToFloat(data.get(LE_SHORT, block));
      int o = off + b * BLOCK;
      for (int j = 0; j < 16; j++) {
        int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xFF;
        dst[o + j] = d * ((packed & 0x0F) - 8);
        dst[o + j + 16] = d * ((packed >>> 4) - 8);
      }
    }
  }

  @Override
  protected void gemvRows(float[] x, float[] out, int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      out[r] = dotRow(r, x);
    }
  }

  private float dotRow(int r, float[] x) {
    long rowBase = (long) r * blocksPerRow * BLOCK_BYTES;
    FloatVector total = FloatVector.zero(F);
    for (int b = 0; b < blocksPerRow; b++) {
      long block = rowBase + (long) b * BLOCK_BYTES;
      float d = Float.float16ToFloat(data.get(LE_SHORT, block));
      FloatVector acc = FloatVector.zero(F);
      int xBase = b * BLOCK;
      for (int j = 0; j < 16; j += B.length()) {
        ByteVector packed =
            ByteVector.fromMemorySegment(B, data, block + 2 + j, ByteOrder.LITTLE_ENDIAN);
        ByteVector lo = packed.and((byte) 0x0F).sub((byte) 8);
        ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
        for (int p = 0; p < PARTS; p++) {
          int lane = j + p * F.length();
          FloatVector wl = (FloatVector) lo.convertShape(VectorOperators.B2F, F, p);
          FloatVector wh = (FloatVector) hi.convertShape(VectorOperators.B2F, F, p);
          acc = wl.fma(FloatVector.fromArray(F, x, xBase + lane), acc);
          acc = wh.fma(FloatVector.fromArray(F, x, xBase + 16 + lane), acc);
        }
      }
      total = acc.fma(FloatVector.broadcast(F, d), total);
    }
    return total.reduceLanes(VectorOperators.ADD);
  }

  /** Quantizes a float matrix row by row with ggml's reference rounding. */
  public static Q4Matrix quantize(Matrix source, java.lang.foreign.Arena arena) {
    int rows = source.rows();
    int cols = source.cols();
    if (cols % BLOCK != 0) {
      throw new IllegalArgumentException("Q4_0 needs a row length divisible by 32, got " + cols);
    }
    MemorySegment seg = WeightMemory.allocate(arena, (long) rows * (cols / BLOCK) * BLOCK_BYTES);
    float[] row = new float[cols];
    for (int r = 0; r < rows; r++) {
      source.readRow(r, row, 0);
      Quantization.quantizeQ4_0(row, 0, cols, seg, (long) r * (cols / BLOCK) * BLOCK_BYTES);
    }
    return new Q4Matrix(rows, cols, seg);
  }
}
