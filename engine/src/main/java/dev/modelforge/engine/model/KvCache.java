package dev.modelforge.engine.model;

/**
 * Keys and values of the positions a sequence has seen, per layer. Attention reads and writes
 * through {@link #offset}, so a contiguous cache and a paged one (blocks from a shared pool, found
 * through a block table) look the same to the model.
 */
public interface KvCache {

  /** The array holding layer {@code layer}'s keys; the row of a position starts at offset(pos). */
  float[] keys(int layer);

  float[] values(int layer);

  /** Start of position {@code pos}'s {@code KVH * HS} floats in {@link #keys}/{@link #values}. */
  int offset(int pos);

  /** Positions this cache can hold. */
  int capacity();
}
