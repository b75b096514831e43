package dev.modelforge.engine.format.gguf;

import java.util.Arrays;

/**
 * A tensor's entry in the GGUF header, as stored.
 *
 * @param dims sizes in GGUF order: the row length (fastest-varying dimension) first
 * @param ggmlType the ggml type number
 * @param offset where the data starts, relative to the data section
 */
public record GgufTensorInfo(String name, long[] dims, long ggmlType, long offset) {

  /** The shape outermost-first, as safetensors and the rest of the engine write it. */
  public long[] shape() {
    long[] shape = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      shape[i] = dims[dims.length - 1 - i];
    }
    return shape;
  }

  @Override
  public String toString() {
    return name
        + " dims "
        + Arrays.toString(dims)
        + " type "
        + GgmlType.describe(ggmlType)
        + " at "
        + offset;
  }
}
