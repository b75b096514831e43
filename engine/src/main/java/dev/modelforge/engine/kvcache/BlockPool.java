package dev.modelforge.engine.kvcache;

import dev.modelforge.engine.config.ModelConfig;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * A preallocated pool of fixed-size KV blocks shared by all running sequences, as in vLLM's paged
 * attention. Each layer's keys (and values) for every block live in one array; a block is {@code
 * blockSize} positions of {@code KVH * HS} floats, stored head-major ({@code [KVH, blockSize, HS]};
 * see {@link PagedKvCache#offset}).
 *
 * <p>Prefix caching: a full block can be registered under the hash of its content (parent hash,
 * token ids, adapter). A sequence whose prompt starts with the same blocks reuses them, counted by
 * reference. Blocks nobody references keep their content and sit in an LRU list until a fresh block
 * is needed. Not thread-safe: the scheduler's thread owns it.
 */
public final class BlockPool {

  private final int blockSize;
  private final int numBlocks;
  private final int kvHeads;
  private final int headDim;
  private final float[][] keys;
  private final float[][] values;
  private final int[] refCount;
  private final long[] hashOf;
  private final boolean[] hashed;
  private final ArrayDeque<Integer> free = new ArrayDeque<>();

  /** Cached blocks that no sequence references, least recently used first. */
  private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();

  private final Map<Long, Integer> cached = new HashMap<>();
  private final boolean prefixCaching;
  private long queries;
  private long hits;

  public BlockPool(ModelConfig config, int numBlocks, int blockSize, boolean prefixCaching) {
    if (numBlocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException("a KV pool needs at least one block of one position");
    }
    long floatsPerLayer = (long) numBlocks * blockSize * config.kvDim();
    if (floatsPerLayer > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          numBlocks + " blocks of " + blockSize + " positions exceed one array per layer");
    }
    this.blockSize = blockSize;
    this.numBlocks = numBlocks;
    this.kvHeads = config.kvHeads();
    this.headDim = config.headDim();
    this.keys = new float[config.layers()][(int) floatsPerLayer];
    this.values = new float[config.layers()][(int) floatsPerLayer];
    this.refCount = new int[numBlocks];
    this.hashOf = new long[numBlocks];
    this.hashed = new boolean[numBlocks];
    this.prefixCaching = prefixCaching;
    for (int b = 0; b < numBlocks; b++) {
      free.add(b);
    }
  }

  /**
   * Blocks that fit {@code bytes} of KV memory: 2 (K and V) x layers x blockSize x KVH*HS floats.
   */
  public static int blocksForBudget(ModelConfig config, long bytes, int blockSize) {
    long perBlock = 2L * config.layers() * blockSize * config.kvDim() * Float.BYTES;
    long n = bytes / perBlock;
    long maxByArray = (Integer.MAX_VALUE - 16L) / ((long) blockSize * config.kvDim());
    return (int) Math.min(n, maxByArray);
  }

  public int blockSize() {
    return blockSize;
  }

  public int numBlocks() {
    return numBlocks;
  }

  float[] keys(int layer) {
    return keys[layer];
  }

  float[] values(int layer) {
    return values[layer];
  }

  int kvHeads() {
    return kvHeads;
  }

  int headDim() {
    return headDim;
  }

  /** Blocks that can be handed out now: free ones and unreferenced cached ones. */
  public int available() {
    return free.size() + evictable.size();
  }

  /** Fraction of blocks referenced by running sequences (vLLM's kv_cache_usage_perc). */
  public double usage() {
    return (double) (numBlocks - available()) / numBlocks;
  }

  /** A block for new content, or -1 when every block is referenced. */
  public int allocate() {
    Integer b = free.pollFirst();
    if (b == null) {
      Iterator<Integer> lru = evictable.iterator();
      if (!lru.hasNext()) {
        return -1;
      }
      b = lru.next();
      lru.remove();
      forget(b);
    }
    refCount[b] = 1;
    return b;
  }

  /** Drops one reference; an unreferenced block keeps its cached content until evicted. */
  public void release(int block) {
    if (refCount[block] <= 0) {
      throw new IllegalStateException("block " + block + " released more often than taken");
    }
    if (--refCount[block] == 0) {
      if (hashed[block]) {
        evictable.add(block);
      } else {
        free.addLast(block);
      }
    }
  }

  /**
   * Takes a reference to the cached block with content {@code hash}, or returns -1 on a miss. Each
   * call counts one query of {@code blockSize} tokens for the hit rate.
   */
  public int lookup(long hash) {
    if (!prefixCaching) {
      return -1;
    }
    queries += blockSize;
    Integer b = cached.get(hash);
    if (b == null) {
      return -1;
    }
    hits += blockSize;
    if (refCount[b] == 0) {
      evictable.remove(b);
    }
    refCount[b]++;
    return b;
  }

  /** Records that {@code block} is full and holds the content named by {@code hash}. */
  public void register(int block, long hash) {
    if (!prefixCaching || hashed[block]) {
      return;
    }
    if (cached.putIfAbsent(hash, block) == null) {
      hashed[block] = true;
      hashOf[block] = hash;
    }
  }

  private void forget(int block) {
    if (hashed[block]) {
      cached.remove(hashOf[block], block);
      hashed[block] = false;
    }
  }

  /** Prompt tokens looked up in the prefix cache so far (vLLM's prefix_cache_queries). */
  public long prefixQueries() {
    return queries;
  }

  /** Of those, tokens found (vLLM's prefix_cache_hits). */
  public long prefixHits() {
    return hits;
  }
}
