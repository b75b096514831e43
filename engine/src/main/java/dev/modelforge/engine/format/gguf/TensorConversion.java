package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.format.FloatEncoding;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Quantization;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element-type changes and transposes that converting between HF and GGUF layouts needs. */
final class TensorConversion {

  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private TensorConversion() {}

  /** Bytes of one row of {@code cols} elements. */
  static long rowBytes(DType dtype, long cols) {
    return dtype.byteSize(cols);
  }

  /** {@code rows x cols} floats, row-major, stored as {@code dtype} (quantized per row). */
  static MemorySegment encode(float[] x, int rows, int cols, DType dtype) {
    if (!dtype.isQuantized()) {
      return FloatEncoding.encode(x, dtype);
    }
    long rowBytes = rowBytes(dtype, cols);
    MemorySegment out = Arena.ofAuto().allocate(rows * rowBytes, 64);
    for (int r = 0; r < rows; r++) {
      if (dtype == DType.Q8_0) {
        Quantization.quantizeQ8_0(x, r * cols, cols, out, r * rowBytes);
      } else {
        Quantization.quantizeQ4_0(x, r * cols, cols, out, r * rowBytes);
      }
    }
    return out;
  }

  /** The {@code cols x rows} transpose of a row-major {@code rows x cols} matrix. */
  static float[] transpose(float[] x, int rows, int cols) {
    float[] t = new float[x.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = x[r * cols + c];
      }
    }
    return t;
  }
}
