package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a GGUF v3 file: metadata and tensors are added in order, then {@link #write(Path)} lays
 * out the header, pads to the alignment and streams each tensor (padded too), through a temporary
 * file renamed into place so a crash never leaves a half-written model.
 */
public final class GgufWriter {

  /** A tensor's bytes, produced only when the file is written so huge models stream out. */
  private record Entry(
      String name, DType dtype, long[] shape, long byteSize, Supplier<MemorySegment> bytes) {}

  private final int alignment;
  private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
  private final List<Entry> tensors = new ArrayList<>();

  public GgufWriter() {
    this(GgufFile.DEFAULT_ALIGNMENT);
  }

  /** A writer that aligns tensor data to {@code alignment} bytes (a power of two). */
  public GgufWriter(int alignment) {
    if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
    }
    this.alignment = alignment;
    if (alignment != GgufFile.DEFAULT_ALIGNMENT) {
      metadata.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(alignment));
    }
  }

  public GgufWriter put(String key, GgufValue value) {
    if (key.equals(GgufFile.ALIGNMENT_KEY)) {
      throw new IllegalArgumentException("set the alignment through the constructor");
    }
    if (metadata.putIfAbsent(key, value) != null) {
      throw new IllegalArgumentException("metadata key '" + key + "' is already set");
    }
    return this;
  }

  public GgufWriter putString(String key, String value) {
    return put(key, GgufValue.string(value));
  }

  public GgufWriter putUint32(String key, long value) {
    return put(key, GgufValue.uint32(value));
  }

  public GgufWriter putFloat32(String key, float value) {
    return put(key, GgufValue.float32(value));
  }

  /**
   * Adds a tensor whose bytes are already in GGUF layout (little-endian, row-major, quantized types
   * in blocks along the row).
   *
   * @param shape outermost first, as in safetensors; written reversed, row length first
   */
  public GgufWriter add(String name, DType dtype, long[] shape, MemorySegment bytes) {
    long size = byteSize(name, dtype, shape);
    if (bytes.byteSize() != size) {
      throw new IllegalArgumentException(
          name
              + ": "
              + bytes.byteSize()
              + " bytes do not hold "
              + dtype
              + " "
              + Arrays.toString(shape));
    }
    tensors.add(new Entry(name, dtype, shape.clone(), size, () -> bytes));
    return this;
  }

  /** Adds a tensor whose bytes {@code source} produces when the file is written. */
  public GgufWriter addLazy(
      String name, DType dtype, long[] shape, Supplier<MemorySegment> source) {
    tensors.add(new Entry(name, dtype, shape.clone(), byteSize(name, dtype, shape), source));
    return this;
  }

  private long byteSize(String name, DType dtype, long[] shape) {
    if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) {
      throw new IllegalArgumentException(name + ": GGUF tensors have 1 to 4 dimensions");
    }
    for (Entry e : tensors) {
      if (e.name().equals(name)) {
        throw new IllegalArgumentException("tensor '" + name + "' is already added");
      }
    }
    if (shape[shape.length - 1] % dtype.blockSize() != 0) {
      throw new IllegalArgumentException(
          name + ": " + dtype + " needs a row length divisible by " + dtype.blockSize());
    }
    long elements = 1;
    for (long d : shape) {
      elements = Math.multiplyExact(elements, d);
    }
    return dtype.byteSize(elements);
  }

  public void write(Path file) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    u32(header, GgufFile.MAGIC);
    u32(header, GgufFile.VERSION);
    u64(header, tensors.size());
    u64(header, metadata.size());
    for (Map.Entry<String, GgufValue> kv : metadata.entrySet()) {
      string(header, kv.getKey());
      u32(header, kv.getValue().type().id());
      value(header, kv.getValue());
    }
    long offset = 0;
    for (Entry t : tensors) {
      string(header, t.name());
      u32(header, t.shape().length);
      for (int d = t.shape().length - 1; d >= 0; d--) {
        u64(header, t.shape()[d]);
      }
      u32(header, GgmlType.of(t.dtype()));
      u64(header, offset);
      offset += padded(t.byteSize());
    }
    header.write(new byte[(int) (padded(header.size()) - header.size())]);

    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(out, ByteBuffer.wrap(header.toByteArray()));
      for (Entry t : tensors) {
        MemorySegment bytes = t.bytes().get();
        if (bytes.byteSize() != t.byteSize()) {
          throw new IllegalStateException(
              t.name() + ": produced " + bytes.byteSize() + " bytes, expected " + t.byteSize());
        }
        writeSegment(out, bytes);
        writeFully(out, ByteBuffer.allocate((int) (padded(t.byteSize()) - t.byteSize())));
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private long padded(long n) {
    return (n + alignment - 1) / alignment * alignment;
  }

  private static void value(ByteArrayOutputStream out, GgufValue v) {
    switch (v) {
      case GgufValue.IntValue(GgufValueType type, long x) -> {
        switch (type) {
          case UINT8, INT8 -> out.write((int) x);
          case UINT16, INT16 -> le(out, x, 2);
          case UINT32, INT32 -> le(out, x, 4);
          default -> le(out, x, 8);
        }
      }
      case GgufValue.FloatValue(GgufValueType type, double x) -> {
        if (type == GgufValueType.FLOAT32) {
          le(out, Float.floatToRawIntBits((float) x), 4);
        } else {
          le(out, Double.doubleToRawLongBits(x), 8);
        }
      }
      case GgufValue.BoolValue(boolean b) -> out.write(b ? 1 : 0);
      case GgufValue.StringValue(String s) -> string(out, s);
      case GgufValue.ArrayValue(GgufValueType elementType, List<GgufValue> elements) -> {
        u32(out, elementType.id());
        u64(out, elements.size());
        for (GgufValue e : elements) {
          value(out, e);
        }
      }
    }
  }

  private static void string(ByteArrayOutputStream out, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    u64(out, utf8.length);
    out.writeBytes(utf8);
  }

  private static void u32(ByteArrayOutputStream out, long v) {
    le(out, v, 4);
  }

  private static void u64(ByteArrayOutputStream out, long v) {
    le(out, v, 8);
  }

  private static void le(ByteArrayOutputStream out, long v, int bytes) {
    for (int i = 0; i < bytes; i++) {
      out.write((int) (v >>> (8 * i)));
    }
  }

  private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
    final long chunk = 1 << 20;
    byte[] buf = new byte[(int) Math.min(chunk, seg.byteSize())];
    for (long pos = 0; pos < seg.byteSize(); pos += chunk) {
      int n = (int) Math.min(chunk, seg.byteSize() - pos);
      MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, buf, 0, n);
      writeFully(ch, ByteBuffer.wrap(buf, 0, n));
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
