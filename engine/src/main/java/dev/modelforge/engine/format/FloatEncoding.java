package dev.modelforge.engine.format;

import dev.modelforge.engine.tensor.BF16Matrix;
import dev.modelforge.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Encodes float arrays as the little-endian bytes of F32, F16 or BF16 tensors. */
public final class FloatEncoding {

  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private FloatEncoding() {}

  public static MemorySegment encode(float[] values, DType dtype) {
    return switch (dtype) {
      case F32 -> {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        MemorySegment.copy(values, 0, seg, LE_FLOAT, 0, values.length);
        yield seg;
      }
      case F16 -> {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 2]);
        for (int i = 0; i < values.length; i++) {
          seg.set(LE_SHORT, i * 2L, Float.floatToFloat16(values[i]));
        }
        yield seg;
      }
      case BF16 -> {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 2]);
        for (int i = 0; i < values.length; i++) {
          seg.set(LE_SHORT, i * 2L, BF16Matrix.fromFloat(values[i]));
        }
        yield seg;
      }
      default -> throw new IllegalArgumentException("cannot encode floats as " + dtype);
    };
  }
}
