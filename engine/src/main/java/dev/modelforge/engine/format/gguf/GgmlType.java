package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.tensor.DType;

/**
 * ggml's tensor type numbers (enum {@code ggml_type}): the ones the engine runs map to a {@link
 * DType}; the rest are named only so an error can say which type a file uses.
 */
public final class GgmlType {

  public static final int F32 = 0;
  public static final int F16 = 1;
  public static final int Q4_0 = 2;
  public static final int Q8_0 = 8;
  public static final int BF16 = 30;

  private static final String[] NAMES = {
    "F32",
    "F16",
    "Q4_0",
    "Q4_1",
    "Q4_2 (removed)",
    "Q4_3 (removed)",
    "Q5_0",
    "Q5_1",
    "Q8_0",
    "Q8_1",
    "Q2_K",
    "Q3_K",
    "Q4_K",
    "Q5_K",
    "Q6_K",
    "Q8_K",
    "IQ2_XXS",
    "IQ2_XS",
    "IQ3_XXS",
    "IQ1_S",
    "IQ4_NL",
    "IQ3_S",
    "IQ2_S",
    "IQ4_XS",
    "I8",
    "I16",
    "I32",
    "I64",
    "F64",
    "IQ1_M",
    "BF16",
  };

  private GgmlType() {}

  /** The engine's type for ggml type {@code id}, or null if the engine cannot run it. */
  public static DType toDType(long id) {
    return switch ((int) Math.max(-1, Math.min(id, Integer.MAX_VALUE))) {
      case F32 -> DType.F32;
      case F16 -> DType.F16;
      case Q4_0 -> DType.Q4_0;
      case Q8_0 -> DType.Q8_0;
      case BF16 -> DType.BF16;
      default -> null;
    };
  }

  public static int of(DType dtype) {
    return switch (dtype) {
      case F32 -> F32;
      case F16 -> F16;
      case Q4_0 -> Q4_0;
      case Q8_0 -> Q8_0;
      case BF16 -> BF16;
    };
  }

  /** "12 (Q4_K)" for a known number, "77 (unknown)" otherwise. */
  public static String describe(long id) {
    String name = id >= 0 && id < NAMES.length ? NAMES[(int) id] : "unknown";
    return id + " (" + name + ")";
  }
}
