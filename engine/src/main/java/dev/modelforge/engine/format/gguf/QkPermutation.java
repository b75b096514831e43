package dev.modelforge.engine.format.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The row order of Llama's q and k projections in GGUF. Hugging Face checkpoints rotate pairs (i, i
 * + HS/2) of each head (rotate-half RoPE); llama.cpp's llama files rotate adjacent pairs (2i, 2i +
 * 1), so convert_hf_to_gguf permutes the rows of q_proj and k_proj (weights and biases): within
 * each head, HF row i goes to row 2i and row i + HS/2 to row 2i + 1 ({@code permute(w, n_head,
 * n_head_kv)}, a reshape to [heads, 2, HS/2] and a swap of the last two axes). Rows move whole, so
 * this works for quantized rows (blocks run along the row) as well as for float ones.
 */
public final class QkPermutation {

  private QkPermutation() {}

  /**
   * HF rows to GGUF rows: {@code out[h*HS + 2i + j] = in[h*HS + j*HS/2 + i]}.
   *
   * @param rows {@code heads * HS} rows of {@code rowBytes} bytes each
   */
  public static MemorySegment toInterleaved(MemorySegment rows, int heads, long rowBytes) {
    return permute(rows, heads, rowBytes, true);
  }

  /** GGUF rows back to HF rows: the inverse of {@link #toInterleaved}. */
  public static MemorySegment toRotateHalf(MemorySegment rows, int heads, long rowBytes) {
    return permute(rows, heads, rowBytes, false);
  }

  private static MemorySegment permute(
      MemorySegment src, int heads, long rowBytes, boolean toInterleaved) {
    long rowCount = src.byteSize() / rowBytes;
    if (rowCount * rowBytes != src.byteSize() || rowCount % heads != 0) {
      throw new IllegalArgumentException(
          src.byteSize() + " bytes are not " + heads + " heads of " + rowBytes + "-byte rows");
    }
    long headDim = rowCount / heads;
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head size " + headDim + " is odd; RoPE needs pairs");
    }
    long half = headDim / 2;
    MemorySegment dst = Arena.ofAuto().allocate(src.byteSize(), 64);
    for (long h = 0; h < heads; h++) {
      for (long i = 0; i < half; i++) {
        for (long j = 0; j < 2; j++) {
          long interleaved = h * headDim + 2 * i + j;
          long rotateHalf = h * headDim + j * half + i;
          long from = toInterleaved ? rotateHalf : interleaved;
          long to = toInterleaved ? interleaved : rotateHalf;
          MemorySegment.copy(src, from * rowBytes, dst, to * rowBytes, rowBytes);
        }
      }
    }
    return dst;
  }
}
