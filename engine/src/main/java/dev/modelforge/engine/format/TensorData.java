package dev.modelforge.engine.format;

import dev.modelforge.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
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
}
