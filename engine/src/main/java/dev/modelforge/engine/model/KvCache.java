package dev.modelforge.engine.model;

/**
 * Keys and values of the positions a sequence has seen, per layer. Attention reads and writes
 * through {@link #offset}, so a contiguous cache and a paged one (blocks from a shared pool, found
 * through a block table) look the same to the model.
 */
public interface KvCache {

  /** The array holding layer {@code layer}'s keys; a head's row starts at offset(pos, head). */
  float[] keys(int layer);

  float[] values(int layer);

  /**
   * Start of KV head {@code head}'s {@code HS} floats for position {@code pos} in {@link #keys} /
   * {@link #values}. Only a head's own row is contiguous: where the heads of one position lie
   * relative to each other is the cache's choice.
   */
  int offset(int pos, int head);

  /** Positions this cache can hold. */
  int capacity();
}
