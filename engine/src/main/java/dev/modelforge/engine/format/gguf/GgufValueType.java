package dev.modelforge.engine.format.gguf;

/**
 * The type tags of GGUF metadata values, numbered as in the GGUF specification. Integer types keep
 * their width and signedness so a file read and written again is byte-for-byte the same.
 */
public enum GgufValueType {
  UINT8(0, 1),
  INT8(1, 1),
  UINT16(2, 2),
  INT16(3, 2),
  UINT32(4, 4),
  INT32(5, 4),
  FLOAT32(6, 4),
  BOOL(7, 1),
  /** u64 byte length, then UTF-8 bytes (no terminator). */
  STRING(8, 8),
  /** u32 element type, u64 count, then the elements. */
  ARRAY(9, 12),
  UINT64(10, 8),
  INT64(11, 8),
  FLOAT64(12, 8);

  private final int id;
  private final int minBytes;

  GgufValueType(int id, int minBytes) {
    this.id = id;
    this.minBytes = minBytes;
  }

  /** The number that tags this type in a file. */
  public int id() {
    return id;
  }

  /**
   * The fewest bytes a value of this type occupies (the whole value for fixed-width types, the
   * length prefix for strings and arrays); bounds array counts before anything is allocated.
   */
  int minBytes() {
    return minBytes;
  }

  public boolean isInteger() {
    return switch (this) {
      case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
      default -> false;
    };
  }

  public boolean isFloat() {
    return this == FLOAT32 || this == FLOAT64;
  }

  /** The type with tag {@code id}, or null if the number is not a GGUF value type. */
  public static GgufValueType fromId(int id) {
    for (GgufValueType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    return null;
  }
}
