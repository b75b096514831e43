package dev.modelforge.engine.tensor;

/**
 * Element types of stored tensors. Quantized types are stored in blocks of {@link #blockSize()}
 * elements taking {@link #blockBytes()} bytes (GGUF's layout: an f16 scale, then the quants).
 */
public enum DType {
  F32(1, 4),
  F16(1, 2),
  BF16(1, 2),
  /** Blocks of 32: f16 scale, then 32 int8 values. */
  Q8_0(32, 34),
  /** Blocks of 32: f16 scale, then 16 bytes of nibbles (low nibbles elements 0-15), minus 8. */
  Q4_0(32, 18);

  private final int blockSize;
  private final int blockBytes;

  DType(int blockSize, int blockBytes) {
    this.blockSize = blockSize;
    this.blockBytes = blockBytes;
  }

  public int blockSize() {
    return blockSize;
  }

  public int blockBytes() {
    return blockBytes;
  }

  public boolean isQuantized() {
    return blockSize > 1;
  }

  /** Bytes taken by {@code elements} values; they must fill whole blocks. */
  public long byteSize(long elements) {
    if (elements % blockSize != 0) {
      throw new IllegalArgumentException(
          this
              + " stores blocks of "
              + blockSize
              + " elements; "
              + elements
              + " is not a multiple");
    }
    return elements / blockSize * blockBytes;
  }

  /** The safetensors name of this type, or null where safetensors has none. */
  public String safetensorsName() {
    return switch (this) {
      case F32 -> "F32";
      case F16 -> "F16";
      case BF16 -> "BF16";
      default -> null;
    };
  }

  public static DType fromSafetensorsName(String name) {
    return switch (name) {
      case "F32" -> F32;
      case "F16" -> F16;
      case "BF16" -> BF16;
      default -> null;
    };
  }
}
