package dev.modelforge.engine.kvcache;

/**
 * Content hashes of full KV blocks: a block's hash covers its parent's hash, its token ids and the
 * adapter that produced it, so equal hashes mean equal keys and values. 64-bit, mixed with the
 * SplitMix64 finaliser.
 */
public final class BlockHasher {

  private BlockHasher() {}

  public static final long ROOT = 0x6A09E667F3BCC909L;

  public static long hash(long parent, int[] tokens, int from, int count, int adapterId) {
    long h = mix(parent ^ 0x9E3779B97F4A7C15L) ^ mix(adapterId + 0x632BE59BD9B4E019L);
    for (int i = 0; i < count; i++) {
      h = mix(h ^ (tokens[from + i] * 0xBF58476D1CE4E5B9L + i));
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
