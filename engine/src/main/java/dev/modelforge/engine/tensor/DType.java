package dev.modelforge.engine.tensor;

import java.util.Locale;
import java.util.Optional;

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

  /**
   * The type a user, a config.json or a spec names, in any case: {@code f32}/{@code float32}/
   * {@code float}, {@code f16}/{@code float16}/{@code half}, {@code bf16}/{@code bfloat16}, {@code
   * q8_0}/{@code q8}, {@code q4_0}/{@code q4}; empty for anything else. Every command and reader
   * parses type names here, and says itself which of them it accepts.
   */
  public static Optional<DType> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        switch (name.toLowerCase(Locale.ROOT)) {
          case "f32", "float32", "float" -> F32;
          case "f16", "float16", "half" -> F16;
          case "bf16", "bfloat16" -> BF16;
          case "q8_0", "q8" -> Q8_0;
          case "q4_0", "q4" -> Q4_0;
          default -> null;
        });
  }

  /** The short name: f32, f16, bf16, q8_0, q4_0 (ggml's and the command lines'). */
  public String shortName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The name Hugging Face's torch_dtype uses (float32, float16, bfloat16), ggml's for blocks. */
  public String hfName() {
    return switch (this) {
      case F32 -> "float32";
      case F16 -> "float16";
      case BF16 -> "bfloat16";
      case Q8_0, Q4_0 -> shortName();
    };
  }

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
