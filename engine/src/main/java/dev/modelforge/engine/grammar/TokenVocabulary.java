package dev.modelforge.engine.grammar;

import dev.modelforge.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The vocabulary as the byte strings its tokens add to the text, sorted so that a mask can be
 * computed as a walk of the implicit trie: tokens sharing a prefix share the work of matching it,
 * and a prefix the grammar refuses skips every token that starts with it. Special tokens and tokens
 * with no bytes are never content.
 */
public final class TokenVocabulary {

  private final byte[][] bytes;

  /** Content token ids in unsigned lexicographic order of their bytes. */
  final int[] sorted;

  /** {@code lcp[i]}: bytes {@code sorted[i]} shares with {@code sorted[i - 1]} (0 for i = 0). */
  final int[] lcp;

  final int longest;

  /** The output's first space is dropped when decoded (see {@link ByteState#atStart}). */
  final boolean removesFirstSpace;

  TokenVocabulary(byte[][] bytes, boolean removesFirstSpace) {
    this.bytes = bytes;
    this.removesFirstSpace = removesFirstSpace;
    Integer[] ids =
        IntStream.range(0, bytes.length)
            .filter(i -> bytes[i] != null && bytes[i].length > 0)
            .boxed()
            .toArray(Integer[]::new);
    Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
    sorted = Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
    lcp = new int[sorted.length];
    int max = 0;
    for (int i = 0; i < sorted.length; i++) {
      byte[] b = bytes[sorted[i]];
      max = Math.max(max, b.length);
      if (i > 0) {
        int m = Arrays.mismatch(bytes[sorted[i - 1]], b);
        lcp[i] = m < 0 ? b.length : m; // -1: two tokens with the same bytes
      }
    }
    longest = max;
  }

  /**
   * A vocabulary given as each token's bytes (null: never content).
   *
   * @param removesFirstSpace decoding drops the output's first space (Llama 2's decoder)
   */
  public static TokenVocabulary of(byte[][] tokenBytes, boolean removesFirstSpace) {
    return new TokenVocabulary(tokenBytes.clone(), removesFirstSpace);
  }

  /** The tokenizer's vocabulary, each token as it reads in the middle of a text. */
  public static TokenVocabulary of(Tokenizer tokenizer) {
    byte[][] bytes = new byte[tokenizer.vocabSize()][];
    for (int id = 0; id < bytes.length; id++) {
      try {
        bytes[id] = tokenizer.tokenBytes(id);
      } catch (IllegalArgumentException unusedId) {
        bytes[id] = null; // a gap in the ids: never generated
      }
    }
    return new TokenVocabulary(bytes, tokenizer.decodingRemovesFirstSpace());
  }

  int size() {
    return bytes.length;
  }

  /** The token's bytes, or null when it is not content (a special token, an unused id). */
  byte[] bytes(int id) {
    return id >= 0 && id < bytes.length ? bytes[id] : null;
  }
}
