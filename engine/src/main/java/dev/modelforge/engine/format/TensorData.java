package dev.modelforge.engine.format;

import dev.modelforge.engine.tensor.BF16Matrix;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Matrix;
import dev.modelforge.engine.tensor.Q4Matrix;
import dev.modelforge.engine.tensor.Q8Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One stored tensor: its name, element type, shape (outermost first, as in safetensors) and the
 * bytes that hold it, usually a slice of a memory-mapped file.
 */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment bytes) {

  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code i}, counted from the outermost. */
  public long dim(int i) {
    return shape[i];
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  /** The row length (innermost dimension). */
  public int cols() {
    return Math.toIntExact(shape[shape.length - 1]);
  }

  /** The number of rows: every dimension but the innermost. */
  public int rows() {
    return Math.toIntExact(elementCount() / shape[shape.length - 1]);
  }

  /** The elements widened to floats, whatever the stored type (quantized types dequantized). */
  public float[] toFloats() {
    long n = elementCount();
    if (n > Integer.MAX_VALUE - 16) {
      throw new ModelFormatException("tensor '" + name + "' is too large to widen to F32");
    }
    float[] out = new float[(int) n];
    switch (dtype) {
      case F32 -> MemorySegment.copy(bytes, LE_FLOAT, 0, out, 0, out.length);
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.float16ToFloat(bytes.get(LE_SHORT, i * 2L));
        }
      }
      case BF16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = BF16Matrix.toFloat(bytes.get(LE_SHORT, i * 2L));
        }
      }
      case Q8_0, Q4_0 -> {
        Matrix m =
            dtype == DType.Q8_0
                ? new Q8Matrix(rows(), cols(), bytes)
                : new Q4Matrix(rows(), cols(), bytes);
        for (int r = 0; r < m.rows(); r++) {
          m.readRow(r, out, r * m.cols());
        }
      }
    }
    return out;
  }

  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
