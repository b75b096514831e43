package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (version 2 or 3) read in place: the whole file is memory-mapped (no 2 GiB limit), the
 * header is parsed and checked against the file, and each tensor is a slice of the mapping.
 *
 * <p>Layout: magic "GGUF", u32 version, u64 tensor count, u64 metadata count, the metadata
 * key/values, the tensor infos, padding to {@code general.alignment}, then the tensor data.
 */
public final class GgufFile {

  /** "GGUF" read as a little-endian u32. */
  public static final long MAGIC = 0x46554747L;

  public static final int VERSION = 3;
  public static final int DEFAULT_ALIGNMENT = 32;
  public static final String ALIGNMENT_KEY = "general.alignment";

  /** ggml tensors have at most four dimensions. */
  static final int MAX_DIMS = 4;

  /** Key (8-byte length) + type (4) + the smallest value (1). */
  private static final int MIN_KV_BYTES = 13;

  /** Name (8-byte length) + dim count (4) + one dim (8) + type (4) + offset (8). */
  private static final int MIN_TENSOR_INFO_BYTES = 32;

  private final Path path;
  private final int version;
  private final GgufMetadata metadata;
  private final int alignment;
  private final List<GgufTensorInfo> tensorInfos;
  private final Map<String, TensorData> tensors;

  private GgufFile(
      Path path,
      int version,
      GgufMetadata metadata,
      int alignment,
      List<GgufTensorInfo> tensorInfos,
      Map<String, TensorData> tensors) {
    this.path = path;
    this.version = version;
    this.metadata = metadata;
    this.alignment = alignment;
    this.tensorInfos = tensorInfos;
    this.tensors = tensors;
  }

  /** Maps {@code file} into {@code arena}; the tensors live until the arena is closed. */
  public static GgufFile read(Path file, Arena arena) {
    MemorySegment whole;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 24) {
        throw ModelFormatException.of(
            file, "file is " + size + " bytes, too short for a GGUF header (24 bytes)");
      }
      whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
    } catch (IOException e) {
      throw ModelFormatException.of(file, "cannot be read: " + e);
    }
    GgufCursor in = new GgufCursor(file, whole);

    long magic = in.u32("magic");
    if (magic != MAGIC) {
      throw ModelFormatException.of(
          file,
          String.format(
              "bad magic 0x%08X: not a GGUF file (expected the bytes \"GGUF\", 0x%08X)",
              magic, MAGIC));
    }
    long version = in.u32("version");
    if (version != 2 && version != 3) {
      String hint =
          Integer.reverseBytes((int) version) == 2 || Integer.reverseBytes((int) version) == 3
              ? " (it looks big-endian, which is not supported)"
              : "";
      throw ModelFormatException.of(
          file, "GGUF version " + version + " is not supported (supported: 2, 3)" + hint);
    }
    long tensorCount = in.count("tensor count", MIN_TENSOR_INFO_BYTES);
    long kvCount = in.count("metadata count", MIN_KV_BYTES);

    Map<String, GgufValue> kvs = new LinkedHashMap<>();
    for (long i = 0; i < kvCount; i++) {
      String key = in.string("metadata key #" + i);
      String what = "metadata key '" + key + "'";
      GgufValueType type = in.valueType(in.u32("type of " + what), what);
      if (kvs.put(key, in.value(type, what)) != null) {
        throw ModelFormatException.of(file, what + " appears twice");
      }
    }
    GgufMetadata metadata = new GgufMetadata(file, kvs);
    int alignment = alignmentOf(file, metadata);

    List<GgufTensorInfo> infos = new ArrayList<>();
    for (long i = 0; i < tensorCount; i++) {
      infos.add(readTensorInfo(file, in, i));
    }
    in.alignTo(alignment);
    long dataStart = Math.min(in.position(), whole.byteSize());
    MemorySegment data = whole.asSlice(dataStart);

    Map<String, TensorData> tensors = new LinkedHashMap<>();
    for (GgufTensorInfo info : infos) {
      TensorData t = slice(file, info, data, alignment);
      if (tensors.put(info.name(), t) != null) {
        throw ModelFormatException.of(file, info.name(), "appears twice in the tensor infos");
      }
    }
    return new GgufFile(
        file,
        (int) version,
        metadata,
        alignment,
        List.copyOf(infos),
        Collections.unmodifiableMap(tensors));
  }

  private static int alignmentOf(Path file, GgufMetadata metadata) {
    if (!metadata.contains(ALIGNMENT_KEY)) {
      return DEFAULT_ALIGNMENT;
    }
    long a = metadata.getLong(ALIGNMENT_KEY);
    if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
      throw ModelFormatException.of(
          file, ALIGNMENT_KEY + " is " + a + "; it must be a power of two");
    }
    return (int) a;
  }

  private static GgufTensorInfo readTensorInfo(Path file, GgufCursor in, long index) {
    String name = in.string("name of tensor #" + index);
    long nDims = in.u32("dimension count of tensor '" + name + "'");
    if (nDims < 1 || nDims > MAX_DIMS) {
      throw ModelFormatException.of(
          file, name, "has " + nDims + " dimensions; GGUF allows 1 to " + MAX_DIMS);
    }
    long[] dims = new long[(int) nDims];
    for (int d = 0; d < nDims; d++) {
      dims[d] = in.u64("dimension " + d + " of tensor '" + name + "'");
      if (dims[d] < 0) {
        throw ModelFormatException.of(
            file, name, "dimension " + d + " is " + Long.toUnsignedString(dims[d]));
      }
    }
    long type = in.u32("type of tensor '" + name + "'");
    long offset = in.u64("data offset of tensor '" + name + "'");
    return new GgufTensorInfo(name, dims, type, offset);
  }

  private static TensorData slice(
      Path file, GgufTensorInfo info, MemorySegment data, int alignment) {
    String name = info.name();
    DType dtype = GgmlType.toDType(info.ggmlType());
    if (dtype == null) {
      throw ModelFormatException.of(
          file,
          name,
          "ggml type "
              + GgmlType.describe(info.ggmlType())
              + " is not supported (supported: F32, F16, BF16, Q8_0, Q4_0)");
    }
    long elements = 1;
    try {
      for (long d : info.dims()) {
        elements = Math.multiplyExact(elements, d);
      }
    } catch (ArithmeticException e) {
      throw ModelFormatException.of(
          file, name, "dimensions " + Arrays.toString(info.dims()) + " overflow");
    }
    if (info.dims()[0] % dtype.blockSize() != 0) {
      throw ModelFormatException.of(
          file,
          name,
          "row length "
              + info.dims()[0]
              + " is not a multiple of the "
              + dtype
              + " block size "
              + dtype.blockSize());
    }
    long size = elements / dtype.blockSize() * dtype.blockBytes();
    long offset = info.offset();
    if (offset < 0 || offset % alignment != 0) {
      throw ModelFormatException.of(
          file,
          name,
          "data offset "
              + Long.toUnsignedString(offset)
              + " is not a multiple of the alignment "
              + alignment);
    }
    if (offset > data.byteSize() || size > data.byteSize() - offset) {
      throw ModelFormatException.of(
          file,
          name,
          "data ["
              + offset
              + ", "
              + (offset + size)
              + ") of "
              + dtype
              + " "
              + Arrays.toString(info.shape())
              + " lies beyond the end of the file (the data section holds "
              + data.byteSize()
              + " bytes); the file is truncated or its header is wrong");
    }
    return new TensorData(name, dtype, info.shape(), data.asSlice(offset, size));
  }

  public Path path() {
    return path;
  }

  public int version() {
    return version;
  }

  public GgufMetadata metadata() {
    return metadata;
  }

  public int alignment() {
    return alignment;
  }

  /** The header's tensor entries in file order. */
  public List<GgufTensorInfo> tensorInfos() {
    return tensorInfos;
  }

  /** The tensors in file order, shapes outermost-first. */
  public Map<String, TensorData> tensors() {
    return tensors;
  }
}
