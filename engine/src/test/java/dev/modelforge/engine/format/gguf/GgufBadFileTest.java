package dev.modelforge.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a GGUF header can lie gives a ModelFormatException naming the file, the tensor or key,
 * and the problem: no bare exception, no attempt to allocate what a corrupt count asks for.
 */
class GgufBadFileTest {

  @TempDir Path dir;

  private AbstractThrowableAssert<?, ?> assertRejected(GgufBytes bytes) throws IOException {
    Path file = bytes.writeTo(dir.resolve("bad.gguf"));
    return assertThatThrownBy(() -> GgufStore.open(file).close())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(file + ": ");
  }

  /** A valid header with one key, then one tensor info; the caller adds data. */
  private static GgufBytes oneTensor(long[] dims, int ggmlType, long offset) {
    return new GgufBytes()
        .header(3, 1, 1)
        .string("general.architecture")
        .u32(GgufValueType.STRING.id())
        .string("llama")
        .tensorInfo("blk.0.attn_q.weight", dims, ggmlType, offset)
        .pad(32);
  }

  private static GgufBytes oneKey(String key, GgufValueType type) {
    return new GgufBytes().header(3, 0, 1).string(key).u32(type.id());
  }

  @Test
  void tooShortForAHeader() throws IOException {
    assertRejected(new GgufBytes().u32(GgufFile.MAGIC).u32(3))
        .hasMessageContaining("8 bytes, too short for a GGUF header");
  }

  @Test
  void badMagic() throws IOException {
    GgufBytes b = new GgufBytes();
    for (char c : "GGML".toCharArray()) {
      b.u8(c);
    }
    assertRejected(b.u32(3).u64(0).u64(0)).hasMessageContaining("bad magic 0x4C4D4747");
  }

  @Test
  void unsupportedVersion() throws IOException {
    assertRejected(new GgufBytes().header(1, 0, 0))
        .hasMessageContaining("GGUF version 1 is not supported (supported: 2, 3)");
    assertRejected(new GgufBytes().header(0x0300_0000, 0, 0))
        .hasMessageContaining("version 50331648")
        .hasMessageContaining("big-endian");
  }

  @Test
  void absurdTensorCount() throws IOException {
    assertRejected(new GgufBytes().header(3, 1L << 62, 0))
        .hasMessageContaining("tensor count is 4611686018427387904, more than the 8 bytes left");
  }

  @Test
  void absurdMetadataCount() throws IOException {
    assertRejected(new GgufBytes().header(3, 0, -1))
        .hasMessageContaining("metadata count is 18446744073709551615");
  }

  @Test
  void absurdStringLength() throws IOException {
    assertRejected(new GgufBytes().header(3, 0, 1).u64(1L << 60).u64(0))
        .hasMessageContaining("metadata key #0 claims 1152921504606846976 bytes");
  }

  @Test
  void absurdArrayLength() throws IOException {
    GgufBytes b = oneKey("tokenizer.ggml.tokens", GgufValueType.ARRAY);
    b.u32(GgufValueType.STRING.id()).u64(1L << 40).u64(3);

    assertRejected(b)
        .hasMessageContaining(
            "element count of metadata key 'tokenizer.ggml.tokens' is 1099511627776");
  }

  @Test
  void arraysNestedTooDeep() throws IOException {
    GgufBytes b = oneKey("deep", GgufValueType.ARRAY);
    for (int i = 0; i < 20; i++) {
      b.u32(GgufValueType.ARRAY.id()).u64(1);
    }
    assertRejected(b).hasMessageContaining("metadata key 'deep' nests arrays more than 8 deep");
  }

  @Test
  void truncatedInsideTheMetadata() throws IOException {
    GgufBytes b = oneKey("llama.block_count", GgufValueType.UINT32).u8(7).u8(0);

    assertRejected(b)
        .hasMessageContaining("truncated: metadata key 'llama.block_count' at byte")
        .hasMessageContaining("needs 4 bytes");
  }

  @Test
  void unknownValueType() throws IOException {
    assertRejected(new GgufBytes().header(3, 0, 1).string("k").u32(13).u64(0))
        .hasMessageContaining("metadata key 'k' has unknown value type 13");
  }

  @Test
  void boolThatIsNeitherZeroNorOne() throws IOException {
    assertRejected(oneKey("flag", GgufValueType.BOOL).u8(2).u64(0).u64(0))
        .hasMessageContaining("metadata key 'flag' is a bool holding 2");
  }

  @Test
  void stringThatIsNotUtf8() throws IOException {
    GgufBytes b = oneKey("name", GgufValueType.STRING).u64(2).u8(0xC3).u8(0x28).u64(0).u64(0);

    assertRejected(b).hasMessageContaining("metadata key 'name' is not valid UTF-8");
  }

  @Test
  void keyThatAppearsTwice() throws IOException {
    GgufBytes b = new GgufBytes().header(3, 0, 2);
    for (int i = 0; i < 2; i++) {
      b.string("llama.block_count").u32(GgufValueType.UINT32.id()).u32(2);
    }
    assertRejected(b).hasMessageContaining("metadata key 'llama.block_count' appears twice");
  }

  @Test
  void alignmentThatIsNotAPowerOfTwo() throws IOException {
    GgufBytes b = oneKey("general.alignment", GgufValueType.UINT32).u32(24).u64(0).u64(0);

    assertRejected(b).hasMessageContaining("general.alignment is 24; it must be a power of two");
  }

  @Test
  void tensorDataBeyondTheEndOfTheFile() throws IOException {
    GgufBytes b = oneTensor(new long[] {32, 2}, GgmlType.F32, 0);
    for (int i = 0; i < 32; i++) {
      b.f32(i); // one row of the two
    }
    assertRejected(b)
        .hasMessageContaining("tensor 'blk.0.attn_q.weight'")
        .hasMessageContaining("data [0, 256) of F32 [2, 32] lies beyond the end of the file")
        .hasMessageContaining("holds 128 bytes");
  }

  @Test
  void truncatedFileOfAValidModel() throws IOException {
    Path file = dir.resolve("cut.gguf");
    new GgufWriter()
        .add("a", DType.F32, new long[] {64}, GgufFileTest.randomTensor(DType.F32, 1, 64, 1))
        .add("b", DType.Q8_0, new long[] {4, 64}, GgufFileTest.randomTensor(DType.Q8_0, 4, 64, 2))
        .write(file);
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length - 100));

    assertThatThrownBy(() -> GgufStore.open(file).close())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(file + ": tensor 'b': data [")
        .hasMessageContaining("lies beyond the end of the file");
  }

  @Test
  void unknownGgmlType() throws IOException {
    assertRejected(oneTensor(new long[] {256}, 12, 0))
        .hasMessageContaining("tensor 'blk.0.attn_q.weight'")
        .hasMessageContaining("ggml type 12 (Q4_K) is not supported");
    assertRejected(oneTensor(new long[] {256}, 99, 0))
        .hasMessageContaining("ggml type 99 (unknown) is not supported");
  }

  @Test
  void tooManyDimensions() throws IOException {
    assertRejected(oneTensor(new long[] {1, 1, 1, 1, 1}, GgmlType.F32, 0))
        .hasMessageContaining("tensor 'blk.0.attn_q.weight': has 5 dimensions");
  }

  @Test
  void dimensionsWhoseProductOverflows() throws IOException {
    assertRejected(oneTensor(new long[] {1L << 32, 1L << 32}, GgmlType.F32, 0))
        .hasMessageContaining("tensor 'blk.0.attn_q.weight'")
        .hasMessageContaining("overflow");
    assertRejected(oneTensor(new long[] {-1L}, GgmlType.F32, 0))
        .hasMessageContaining("dimension 0 is 18446744073709551615");
  }

  @Test
  void rowLengthThatIsNotWholeBlocks() throws IOException {
    assertRejected(oneTensor(new long[] {40, 2}, GgmlType.Q8_0, 0))
        .hasMessageContaining("tensor 'blk.0.attn_q.weight'")
        .hasMessageContaining("row length 40 is not a multiple of the Q8_0 block size 32");
  }

  @Test
  void offsetThatIsNotAligned() throws IOException {
    GgufBytes b = oneTensor(new long[] {4}, GgmlType.F32, 4);
    for (int i = 0; i < 8; i++) {
      b.f32(i);
    }
    assertRejected(b).hasMessageContaining("data offset 4 is not a multiple of the alignment 32");
  }

  @Test
  void tensorNameThatAppearsTwice() throws IOException {
    GgufBytes b =
        new GgufBytes()
            .header(3, 2, 0)
            .tensorInfo("w", new long[] {8}, GgmlType.F32, 0)
            .tensorInfo("w", new long[] {8}, GgmlType.F32, 32)
            .pad(32);
    for (int i = 0; i < 16; i++) {
      b.f32(i);
    }
    assertRejected(b).hasMessageContaining("tensor 'w': appears twice");
  }
}
