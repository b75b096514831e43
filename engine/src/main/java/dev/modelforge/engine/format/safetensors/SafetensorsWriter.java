package dev.modelforge.engine.format.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a {@code .safetensors} file: tensors are added in order, then {@link #write(Path)} lays
 * out the header (padded to 8 bytes, as the reference writer does) and the data, through a
 * temporary file renamed into place so a crash never leaves a half-written model.
 */
public final class SafetensorsWriter {

  /** A tensor's bytes, produced only when the file is written so huge models stream out. */
  private record Entry(
      String name, DType dtype, long[] shape, long byteSize, Supplier<MemorySegment> bytes) {}

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, String> metadata;

  public SafetensorsWriter(Map<String, String> metadata) {
    this.metadata = Map.copyOf(metadata);
  }

  public SafetensorsWriter() {
    this(Map.of("format", "pt"));
  }

  /** Adds a tensor whose bytes are already in safetensors layout (little-endian, row-major). */
  public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment bytes) {
    if (dtype.safetensorsName() == null) {
      throw new IllegalArgumentException(dtype + " cannot be stored in safetensors: " + name);
    }
    long elements = 1;
    for (long d : shape) {
      elements *= d;
    }
    if (dtype.byteSize(elements) != bytes.byteSize()) {
      throw new IllegalArgumentException(
          name + ": " + bytes.byteSize() + " bytes do not hold " + elements + " " + dtype);
    }
    entries.add(new Entry(name, dtype, shape.clone(), bytes.byteSize(), () -> bytes));
    return this;
  }

  /** Adds a tensor whose bytes {@code source} produces when the file is written. */
  public SafetensorsWriter addLazy(
      String name, DType dtype, long[] shape, Supplier<MemorySegment> source) {
    if (dtype.safetensorsName() == null) {
      throw new IllegalArgumentException(dtype + " cannot be stored in safetensors: " + name);
    }
    long elements = 1;
    for (long d : shape) {
      elements *= d;
    }
    entries.add(new Entry(name, dtype, shape.clone(), dtype.byteSize(elements), source));
    return this;
  }

  /** Adds an F32 tensor from a float array. */
  public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
    return add(name, DType.F32, shape, MemorySegment.ofArray(values));
  }

  public void write(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry e : entries) {
      ObjectNode node = header.putObject(e.name());
      node.put("dtype", e.dtype().safetensorsName());
      ArrayNode shape = node.putArray("shape");
      for (long d : e.shape()) {
        shape.add(d);
      }
      node.putArray("data_offsets").add(offset).add(offset + e.byteSize());
      offset += e.byteSize();
    }
    byte[] headerJson = json.writeValueAsBytes(header);
    int padded = (headerJson.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    java.util.Arrays.fill(headerBytes, (byte) ' ');
    System.arraycopy(headerJson, 0, headerBytes, 0, headerJson.length);

    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp);
        WritableByteChannel ch = Channels.newChannel(out)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      len.putLong(padded).flip();
      ch.write(len);
      ch.write(ByteBuffer.wrap(headerBytes));
      for (Entry e : entries) {
        MemorySegment bytes = e.bytes().get();
        if (bytes.byteSize() != e.byteSize()) {
          throw new IllegalStateException(
              e.name() + ": produced " + bytes.byteSize() + " bytes, expected " + e.byteSize());
        }
        writeSegment(ch, bytes);
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeSegment(WritableByteChannel ch, MemorySegment seg) throws IOException {
    final long chunk = 1 << 20;
    byte[] buf = new byte[(int) Math.min(chunk, seg.byteSize())];
    for (long pos = 0; pos < seg.byteSize(); pos += chunk) {
      int n = (int) Math.min(chunk, seg.byteSize() - pos);
      MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, buf, 0, n);
      ch.write(ByteBuffer.wrap(buf, 0, n));
    }
  }
}
