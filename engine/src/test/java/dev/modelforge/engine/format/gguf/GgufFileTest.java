package dev.modelforge.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.format.FloatEncoding;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Quantization;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GgufFileTest {

  @TempDir Path dir;

  private static float[] randomFloats(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  /** Bytes of {@code rows x cols} random values in {@code dtype}, quantized types included. */
  static MemorySegment randomTensor(DType dtype, int rows, int cols, long seed) {
    float[] x = randomFloats(rows * cols, seed);
    if (!dtype.isQuantized()) {
      return FloatEncoding.encode(x, dtype);
    }
    MemorySegment seg = MemorySegment.ofArray(new byte[(int) dtype.byteSize((long) rows * cols)]);
    for (int r = 0; r < rows; r++) {
      long at = (long) r * cols / dtype.blockSize() * dtype.blockBytes();
      if (dtype == DType.Q8_0) {
        Quantization.quantizeQ8_0(x, r * cols, cols, seg, at);
      } else {
        Quantization.quantizeQ4_0(x, r * cols, cols, seg, at);
      }
    }
    return seg;
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyTensorTypeRoundTripsBitExact(DType dtype) throws IOException {
    MemorySegment matrix = randomTensor(dtype, 3, 64, 1);
    MemorySegment vector = randomTensor(dtype, 1, 96, 2);
    MemorySegment cube = randomTensor(dtype, 2 * 5, 32, 3);
    Path file = dir.resolve("t.gguf");
    new GgufWriter()
        .add("matrix", dtype, new long[] {3, 64}, matrix)
        .add("vector", dtype, new long[] {96}, vector)
        .add("cube", dtype, new long[] {2, 5, 32}, cube)
        .write(file);

    try (GgufStore store = GgufStore.open(file)) {
      assertThat(store.names()).containsExactly("matrix", "vector", "cube");
      assertTensor(store.get("matrix"), dtype, new long[] {3, 64}, matrix);
      assertTensor(store.get("vector"), dtype, new long[] {96}, vector);
      assertTensor(store.get("cube"), dtype, new long[] {2, 5, 32}, cube);
      assertThat(store.file().tensorInfos().get(2).dims())
          .as("GGUF stores the row length first")
          .containsExactly(32, 5, 2);
      for (GgufTensorInfo info : store.file().tensorInfos()) {
        assertThat(info.offset() % GgufFile.DEFAULT_ALIGNMENT).isZero();
      }
    }
  }

  private static void assertTensor(TensorData t, DType dtype, long[] shape, MemorySegment bytes) {
    assertThat(t.dtype()).isEqualTo(dtype);
    assertThat(t.shape()).containsExactly(shape);
    assertThat(t.bytes().mismatch(bytes)).as(t.name() + " bytes differ at").isEqualTo(-1);
  }

  @Test
  void metadataOfEveryValueTypeRoundTrips() throws IOException {
    Map<String, GgufValue> values = new LinkedHashMap<>();
    values.put("u8", GgufValue.uint8(255));
    values.put("i8", GgufValue.int8(-128));
    values.put("u16", GgufValue.uint16(65535));
    values.put("i16", GgufValue.int16(-32768));
    values.put("u32", GgufValue.uint32(0xFFFF_FFFFL));
    values.put("i32", GgufValue.int32(Integer.MIN_VALUE));
    values.put("u64", GgufValue.uint64(-1L)); // 2^64 - 1
    values.put("i64", GgufValue.int64(Long.MIN_VALUE));
    values.put("f32", GgufValue.float32(1e-5f));
    values.put("f64", GgufValue.float64(Math.PI));
    values.put("bool", GgufValue.bool(true));
    values.put("string", GgufValue.string("héllo, 世界 🙂"));
    values.put("empty string", GgufValue.string(""));
    values.put("ints", GgufValue.array(GgufValueType.INT32, List.of(GgufValue.int32(-1))));
    values.put("strings", GgufValue.stringArray(List.of("a", "", "Ġthe")));
    values.put("empty", GgufValue.array(GgufValueType.FLOAT32, List.of()));
    values.put(
        "nested",
        GgufValue.array(
            GgufValueType.ARRAY,
            List.of(
                GgufValue.array(GgufValueType.BOOL, List.of(GgufValue.bool(false))),
                GgufValue.stringArray(List.of("x")))));
    GgufWriter writer = new GgufWriter();
    values.forEach(writer::put);
    Path file = dir.resolve("m.gguf");
    writer.write(file);

    try (GgufStore store = GgufStore.open(file)) {
      assertThat(store.metadata().asMap()).containsExactlyEntriesOf(values);
      assertThat(store.metadata().getString("string")).isEqualTo("héllo, 世界 🙂");
      assertThat(store.metadata().getLong("i32")).isEqualTo(Integer.MIN_VALUE);
      assertThat(store.metadata().getDouble("f32")).isEqualTo(1e-5f);
      assertThat(store.file().version()).isEqualTo(3);
      assertThat(store.names()).isEmpty();
    }
  }

  @Test
  void readingAndWritingAgainGivesTheSameBytes() throws IOException {
    Path first = dir.resolve("a.gguf");
    new GgufWriter(64)
        .putString("general.architecture", "llama")
        .putUint32("llama.block_count", 2)
        .add("a", DType.Q8_0, new long[] {2, 64}, randomTensor(DType.Q8_0, 2, 64, 4))
        .add("b", DType.F16, new long[] {5}, randomTensor(DType.F16, 1, 5, 5))
        .write(first);

    Path second = dir.resolve("b.gguf");
    try (GgufStore store = GgufStore.open(first)) {
      assertThat(store.file().alignment()).isEqualTo(64);
      GgufWriter copy = new GgufWriter(64);
      store.metadata().asMap().entrySet().stream()
          .filter(e -> !e.getKey().equals(GgufFile.ALIGNMENT_KEY))
          .forEach(e -> copy.put(e.getKey(), e.getValue()));
      for (String name : store.names()) {
        TensorData t = store.get(name);
        copy.add(name, t.dtype(), t.shape(), t.bytes());
      }
      copy.write(second);
    }

    assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
  }

  /**
   * A file laid out by hand from the specification, so reader and writer cannot share a mistake.
   */
  @Test
  void readsAHandWrittenVersion2FileWithRowLengthFirst() throws IOException {
    GgufBytes b =
        new GgufBytes()
            .header(2, 1, 1)
            .string("general.name")
            .u32(GgufValueType.STRING.id())
            .string("tiny")
            .tensorInfo("w", new long[] {3, 2}, GgmlType.F32, 0)
            .pad(32);
    for (int i = 0; i < 6; i++) {
      b.f32(i);
    }
    Path file = b.writeTo(dir.resolve("hand.gguf"));

    try (Arena arena = Arena.ofConfined()) {
      GgufFile gguf = GgufFile.read(file, arena);

      assertThat(gguf.version()).isEqualTo(2);
      assertThat(gguf.metadata().getString("general.name")).isEqualTo("tiny");
      TensorData w = gguf.tensors().get("w");
      assertThat(w.shape()).containsExactly(2, 3);
      var le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
      assertThat(w.bytes().getAtIndex(le, 1 * 3 + 0)).as("row 1, column 0").isEqualTo(3f);
    }
  }
}
