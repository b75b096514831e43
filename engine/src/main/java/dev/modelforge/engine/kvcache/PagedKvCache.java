package dev.modelforge.engine.kvcache;

import dev.modelforge.engine.model.KvCache;
import java.util.Arrays;

/**
 * One sequence's view of the {@link BlockPool}: a block table mapping position / blockSize to a
 * pool block. It grows a block at a time as the sequence does. Inside a block the layout is
 * head-major ({@code [KVH, blockSize, HS]}), so one head's keys for a block's positions are one
 * contiguous run that attention streams through.
 */
public final class PagedKvCache implements KvCache {

  private final BlockPool pool;
  private int[] table = new int[8];
  private int blocks;

  public PagedKvCache(BlockPool pool) {
    this.pool = pool;
  }

  /** Appends {@code block} (already referenced for this sequence) to the table. */
  public void append(int block) {
    if (blocks == table.length) {
      table = Arrays.copyOf(table, blocks * 2);
    }
    table[blocks++] = block;
  }

  public int blockCount() {
    return blocks;
  }

  public int block(int index) {
    return table[index];
  }

  /** Releases every block back to the pool and empties the table. */
  public void releaseAll() {
    for (int i = 0; i < blocks; i++) {
      pool.release(table[i]);
    }
    blocks = 0;
  }

  @Override
  public float[] keys(int layer) {
    return pool.keys(layer);
  }

  @Override
  public float[] values(int layer) {
    return pool.values(layer);
  }

  @Override
  public int offset(int pos, int head) {
    int bs = pool.blockSize();
    return ((table[pos / bs] * pool.kvHeads() + head) * bs + pos % bs) * pool.headDim();
  }

  @Override
  public int capacity() {
    return blocks * pool.blockSize();
  }
}
