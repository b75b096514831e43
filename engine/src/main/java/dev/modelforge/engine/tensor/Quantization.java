package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Block quantization with ggml's reference rounding, so files we write match llama.cpp's and files
 * it writes load unchanged.
 */
public final class Quantization {

  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Quantization() {}

  /** C's roundf: halves away from zero. */
  private static int roundf(float v) {
    return (int) (v >= 0 ? Math.floor(v + 0.5f) : -Math.floor(-v + 0.5f));
  }

  /** Writes {@code n / 32} Q8_0 blocks of {@code x[off ..]} to {@code dst} at {@code dstOff}. */
  public static void quantizeQ8_0(float[] x, int off, int n, MemorySegment dst, long dstOff) {
    for (int b = 0; b < n / 32; b++) {
      float amax = 0;
      for (int j = 0; j < 32; j++) {
        amax = Math.max(amax, Math.abs(x[off + b * 32 + j]));
      }
      float d = amax / 127f;
      float id = d != 0 ? 1f / d : 0f;
      long block = dstOff + b * 34L;
      dst.set(LE_SHORT, block, Float.floatToFloat16(d));
      for (int j = 0; j < 32; j++) {
        dst.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) roundf(x[off + b * 32 + j] * id));
      }
    }
  }

  /** Writes {@code n / 32} Q4_0 blocks of {@code x[off ..]} to {@code dst} at {@code dstOff}. */
  public static void quantizeQ4_0(float[] x, int off, int n, MemorySegment dst, long dstOff) {
    for (int b = 0; b < n / 32; b++) {
      float amax = 0;
      float max = 0;
      for (int j = 0; j < 32; j++) {
        float v = x[off + b * 32 + j];
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      float d = max / -8f;
      float id = d != 0 ? 1f / d : 0f;
      long block = dstOff + b * 18L;
      dst.set(LE_SHORT, block, Float.floatToFloat16(d));
      for (int j = 0; j < 16; j++) {
        int q0 = Math.min(15, (int) (byte) (x[off + b * 32 + j] * id + 8.5f));
        int q1 = Math.min(15, (int) (byte) (x[off + b * 32 + 16 + j] * id + 8.5f));
        dst.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) (q0 | (q1 << 4)));
      }
    }
  }
}
