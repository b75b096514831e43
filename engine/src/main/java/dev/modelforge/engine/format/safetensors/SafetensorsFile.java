package dev.modelforge.engine.format.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one {@code .safetensors} file by memory-mapping it whole (no 2 GiB limit) and checking
 * every header entry against the file before any tensor is handed out.
 */
public final class SafetensorsFile {

  /** Headers past this are not plausible and would make us read garbage as JSON. */
  private static final long MAX_HEADER_BYTES = 100L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ValueLayout.OfLong U64_LE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private SafetensorsFile() {}

  /**
   * Maps {@code file} into {@code arena} and returns its tensors in header order. The metadata
   * entry ({@code __metadata__}) is skipped.
   */
  public static Map<String, TensorData> read(Path file, Arena arena) {
    MemorySegment whole;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw ModelFormatException.of(file, "file is " + size + " bytes, too short for a header");
      }
      whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
    } catch (IOException e) {
      throw ModelFormatException.of(file, "cannot be read: " + e.getMessage());
    }
    long headerLen = whole.get(U64_LE, 0);
    long fileSize = whole.byteSize();
    if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8) {
      throw ModelFormatException.of(
          file,
          "header length field says "
              + headerLen
              + " bytes but the file has "
              + (fileSize - 8)
              + " after it; the file is truncated or not safetensors");
    }
    byte[] headerBytes = whole.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
    JsonNode header;
    try {
      header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw ModelFormatException.of(file, "header is not valid JSON: " + e.getOriginalMessage());
    }
    if (header == null || !header.isObject()) {
      throw ModelFormatException.of(file, "header is not a JSON object");
    }
    MemorySegment data = whole.asSlice(8 + headerLen);
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (entry.getKey().equals("__metadata__")) {
        continue;
      }
      tensors.put(entry.getKey(), parseEntry(file, entry.getKey(), entry.getValue(), data));
    }
    return tensors;
  }

  private static TensorData parseEntry(Path file, String name, JsonNode node, MemorySegment data) {
    if (!node.isObject()) {
      throw ModelFormatException.of(file, name, "header entry is not an object");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw ModelFormatException.of(file, name, "has no dtype");
    }
    DType dtype = DType.fromSafetensorsName(dtypeNode.asText());
    if (dtype == null) {
      throw ModelFormatException.of(
          file,
          name,
          "dtype " + dtypeNode.asText() + " is not supported (supported: F32, F16, BF16)");
    }
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw ModelFormatException.of(file, name, "has no shape array");
    }
    long[] shape = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
        throw ModelFormatException.of(
            file, name, "shape " + shapeNode + " has a bad dimension " + d + " at index " + i);
      }
      shape[i] = d.asLong();
      try {
        elements = Math.multiplyExact(elements, shape[i]);
      } catch (ArithmeticException e) {
        throw ModelFormatException.of(
            file, name, "shape " + shapeNode + " has more elements than a long can count");
      }
    }
    JsonNode offsets = node.get("data_offsets");
    if (offsets == null
        || !offsets.isArray()
        || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber()
        || !offsets.get(1).isIntegralNumber()
        || !offsets.get(0).canConvertToLong()
        || !offsets.get(1).canConvertToLong()) {
      throw ModelFormatException.of(file, name, "data_offsets must be [begin, end]");
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (begin < 0 || end < begin || end > data.byteSize()) {
      throw ModelFormatException.of(
          file,
          name,
          "data_offsets ["
              + begin
              + ", "
              + end
              + ") fall outside the "
              + data.byteSize()
              + " data bytes; the file is truncated or its header is wrong");
    }
    long expected;
    try {
      expected = Math.multiplyExact(elements, dtype.byteSize(1));
    } catch (ArithmeticException e) {
      expected = -1; // more bytes than a long can count: certainly not the span
    }
    if (end - begin != expected) {
      throw ModelFormatException.of(
          file,
          name,
          "shape "
              + shapeNode
              + " of "
              + dtype
              + " needs "
              + (expected < 0 ? "more than 2^63" : expected)
              + " bytes but data_offsets span "
              + (end - begin));
    }
    return new TensorData(name, dtype, shape, data.asSlice(begin, end - begin));
  }
}
