package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.format.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the little-endian fields of a GGUF header from the mapped file. Every read is checked
 * against the end of the file first, and every count or length is checked against the bytes left
 * before anything is allocated, so a corrupt header gives an error instead of an attempt to
 * allocate gigabytes.
 */
final class GgufCursor {

  /**
   * Arrays of arrays are legal; deeper nesting than this is corruption (and would exhaust the
   * stack).
   */
  private static final int MAX_ARRAY_NESTING = 8;

  private static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64 =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Path file;
  private final MemorySegment bytes;
  private long pos;

  GgufCursor(Path file, MemorySegment bytes) {
    this.file = file;
    this.bytes = bytes;
  }

  long position() {
    return pos;
  }

  long remaining() {
    return bytes.byteSize() - pos;
  }

  private void need(long n, String what) {
    if (n > remaining()) {
      throw ModelFormatException.of(
          file,
          "truncated: "
              + what
              + " at byte "
              + pos
              + " needs "
              + n
              + " bytes but the file ends at byte "
              + bytes.byteSize());
    }
  }

  /** An unsigned 32-bit field. */
  long u32(String what) {
    need(4, what);
    long v = Integer.toUnsignedLong(bytes.get(U32, pos));
    pos += 4;
    return v;
  }

  /** A 64-bit field as its bits; callers that need a count check it with {@link #count}. */
  long u64(String what) {
    need(8, what);
    long v = bytes.get(U64, pos);
    pos += 8;
    return v;
  }

  /**
   * A u64 count of items that each take at least {@code minBytesEach} bytes: rejected when the rest
   * of the file could not hold that many, which bounds every allocation by the file size.
   */
  long count(String what, long minBytesEach) {
    long n = u64(what);
    if (n < 0 || n > remaining() / minBytesEach) {
      throw ModelFormatException.of(
          file,
          what
              + " is "
              + Long.toUnsignedString(n)
              + ", more than the "
              + remaining()
              + " bytes left in the file can hold; the header is corrupt");
    }
    return n;
  }

  String string(String what) {
    long len = u64("length of " + what);
    if (len < 0 || len > remaining() || len > Integer.MAX_VALUE - 8) {
      throw ModelFormatException.of(
          file,
          what
              + " claims "
              + Long.toUnsignedString(len)
              + " bytes at byte "
              + pos
              + " but only "
              + remaining()
              + " remain; the header is corrupt");
    }
    byte[] utf8 = bytes.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
    pos += len;
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8))
          .toString();
    } catch (CharacterCodingException e) {
      throw ModelFormatException.of(file, what + " is not valid UTF-8");
    }
  }

  GgufValue value(GgufValueType type, String what) {
    return value(type, what, 0);
  }

  private GgufValue value(GgufValueType type, String what, int depth) {
    return switch (type) {
      case UINT8 -> new GgufValue.IntValue(type, Byte.toUnsignedLong(i8(what)));
      case INT8 -> new GgufValue.IntValue(type, i8(what));
      case UINT16 -> new GgufValue.IntValue(type, Short.toUnsignedLong(i16(what)));
      case INT16 -> new GgufValue.IntValue(type, i16(what));
      case UINT32 -> new GgufValue.IntValue(type, u32(what));
      case INT32 -> new GgufValue.IntValue(type, (int) u32(what));
      case UINT64, INT64 -> new GgufValue.IntValue(type, u64(what));
      case FLOAT32 -> {
        need(4, what);
        float v = bytes.get(F32, pos);
        pos += 4;
        yield new GgufValue.FloatValue(type, v);
      }
      case FLOAT64 -> {
        need(8, what);
        double v = bytes.get(F64, pos);
        pos += 8;
        yield new GgufValue.FloatValue(type, v);
      }
      case BOOL -> {
        byte b = i8(what);
        if (b != 0 && b != 1) {
          throw ModelFormatException.of(file, what + " is a bool holding " + b + ", not 0 or 1");
        }
        yield new GgufValue.BoolValue(b == 1);
      }
      case STRING -> new GgufValue.StringValue(string(what));
      case ARRAY -> array(what, depth);
    };
  }

  private GgufValue array(String what, int depth) {
    if (depth >= MAX_ARRAY_NESTING) {
      throw ModelFormatException.of(
          file, what + " nests arrays more than " + MAX_ARRAY_NESTING + " deep");
    }
    GgufValueType elementType = valueType(u32("element type of " + what), what);
    long n = count("element count of " + what, elementType.minBytes());
    List<GgufValue> elements = new ArrayList<>((int) Math.min(n, 1 << 16));
    for (long i = 0; i < n; i++) {
      elements.add(value(elementType, what, depth + 1));
    }
    return new GgufValue.ArrayValue(elementType, elements);
  }

  GgufValueType valueType(long id, String what) {
    GgufValueType t = GgufValueType.fromId((int) Math.min(id, Integer.MAX_VALUE));
    if (t == null) {
      throw ModelFormatException.of(file, what + " has unknown value type " + id);
    }
    return t;
  }

  private byte i8(String what) {
    need(1, what);
    return bytes.get(ValueLayout.JAVA_BYTE, pos++);
  }

  private short i16(String what) {
    need(2, what);
    short v = bytes.get(U16, pos);
    pos += 2;
    return v;
  }

  /** Moves to the next multiple of {@code alignment} (where the tensor data starts). */
  void alignTo(long alignment) {
    pos = (pos + alignment - 1) / alignment * alignment;
  }
}
