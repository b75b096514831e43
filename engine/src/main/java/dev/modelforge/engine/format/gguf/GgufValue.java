package dev.modelforge.engine.format.gguf;

import java.util.List;

/**
 * One typed GGUF metadata value. Integers of every width are held as {@code long} (unsigned 64-bit
 * values as their two's-complement bits) and floats as {@code double}; the {@link #type()} keeps
 * the width the file uses.
 */
public sealed interface GgufValue {

  GgufValueType type();

  /** An integer of any GGUF width; the constructor rejects values the width cannot hold. */
  record IntValue(GgufValueType type, long value) implements GgufValue {
    public IntValue {
      if (!type.isInteger()) {
        throw new IllegalArgumentException(type + " is not an integer type");
      }
      long[] range =
          switch (type) {
            case UINT8 -> new long[] {0, 0xFF};
            case INT8 -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE};
            case UINT16 -> new long[] {0, 0xFFFF};
            case INT16 -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE};
            case UINT32 -> new long[] {0, 0xFFFF_FFFFL};
            case INT32 -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
            default -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE}; // 64-bit: every bit pattern
          };
      if (value < range[0] || value > range[1]) {
        throw new IllegalArgumentException(value + " does not fit in " + type);
      }
    }
  }

  record FloatValue(GgufValueType type, double value) implements GgufValue {
    public FloatValue {
      if (!type.isFloat()) {
        throw new IllegalArgumentException(type + " is not a float type");
      }
      if (type == GgufValueType.FLOAT32
          && (double) (float) value != value
          && !Double.isNaN(value)) {
        throw new IllegalArgumentException(value + " is not exactly a float32");
      }
    }
  }

  record BoolValue(boolean value) implements GgufValue {
    @Override
    public GgufValueType type() {
      return GgufValueType.BOOL;
    }
  }

  record StringValue(String value) implements GgufValue {
    @Override
    public GgufValueType type() {
      return GgufValueType.STRING;
    }
  }

  /** A homogeneous array; arrays of arrays are allowed, as in the specification. */
  record ArrayValue(GgufValueType elementType, List<GgufValue> elements) implements GgufValue {
    public ArrayValue {
      elements = List.copyOf(elements);
      for (GgufValue e : elements) {
        if (e.type() != elementType) {
          throw new IllegalArgumentException(
              "array of " + elementType + " cannot hold a " + e.type());
        }
      }
    }

    @Override
    public GgufValueType type() {
      return GgufValueType.ARRAY;
    }
  }

  static GgufValue uint8(int v) {
    return new IntValue(GgufValueType.UINT8, v);
  }

  static GgufValue int8(int v) {
    return new IntValue(GgufValueType.INT8, v);
  }

  static GgufValue uint16(int v) {
    return new IntValue(GgufValueType.UINT16, v);
  }

  static GgufValue int16(int v) {
    return new IntValue(GgufValueType.INT16, v);
  }

  static GgufValue uint32(long v) {
    return new IntValue(GgufValueType.UINT32, v);
  }

  static GgufValue int32(int v) {
    return new IntValue(GgufValueType.INT32, v);
  }

  /** An unsigned 64-bit value given as its bits. */
  static GgufValue uint64(long bits) {
    return new IntValue(GgufValueType.UINT64, bits);
  }

  static GgufValue int64(long v) {
    return new IntValue(GgufValueType.INT64, v);
  }

  static GgufValue float32(float v) {
    return new FloatValue(GgufValueType.FLOAT32, v);
  }

  static GgufValue float64(double v) {
    return new FloatValue(GgufValueType.FLOAT64, v);
  }

  static GgufValue bool(boolean v) {
    return new BoolValue(v);
  }

  static GgufValue string(String v) {
    return new StringValue(v);
  }

  static GgufValue array(GgufValueType elementType, List<GgufValue> elements) {
    return new ArrayValue(elementType, elements);
  }

  static GgufValue stringArray(List<String> values) {
    return new ArrayValue(
        GgufValueType.STRING, values.stream().map(s -> (GgufValue) new StringValue(s)).toList());
  }
}
