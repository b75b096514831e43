package dev.modelforge.engine.kvcache;

/**
 * Owns the paged KV cache's blocks for the scheduler, as vLLM's KV-cache manager does: it finds a
 * new sequence's longest cached prefix, allocates blocks as sequences grow, names each block once
 * it is full (its hash chains the tokens before it and the adapter, so only identical prefixes of
 * the same adapter share a block), and frees a sequence's blocks. The scheduler decides who runs
 * and who is preempted; this class decides nothing but where keys and values live.
 */
public final class KvCacheManager {

  private final BlockPool pool;
  private final int blockSize;

  public KvCacheManager(BlockPool pool) {
    this.pool = pool;
    this.blockSize = pool.blockSize();
  }

  /** One sequence's blocks: its paged cache, and how many of its full blocks are named. */
  public static final class SequenceBlocks {
    private final PagedKvCache cache;
    private final int adapter;
    private int hashed;
    private long lastHash = BlockHasher.ROOT;

    private SequenceBlocks(PagedKvCache cache, int adapter) {
      this.cache = cache;
      this.adapter = adapter;
    }

    /** What attention reads and writes through. */
    public PagedKvCache cache() {
      return cache;
    }

    public int blockCount() {
      return cache.blockCount();
    }
  }

  /** Blocks for a new sequence run with adapter {@code adapterId} (0: the base model). */
  public SequenceBlocks open(int adapterId) {
    return new SequenceBlocks(new PagedKvCache(pool), adapterId);
  }

  /** Blocks that hold {@code positions} positions. */
  public int blocksFor(int positions) {
    return (positions + blockSize - 1) / blockSize;
  }

  public int numBlocks() {
    return pool.numBlocks();
  }

  /**
   * Takes the cached blocks of the longest prefix of {@code tokens[0, length)} that is known, with
   * at least one token left to compute (its logits are needed); returns the tokens they hold.
   */
  public int reusePrefix(SequenceBlocks b, int[] tokens, int length) {
    int reused = 0;
    while ((b.hashed + 1) * blockSize <= length - 1) {
      long h = BlockHasher.hash(b.lastHash, tokens, b.hashed * blockSize, blockSize, b.adapter);
      int block = pool.lookup(h);
      if (block < 0) {
        break;
      }
      b.cache.append(block);
      b.hashed++;
      b.lastHash = h;
      reused += blockSize;
    }
    return reused;
  }

  /**
   * Grows {@code b} to hold {@code positions} positions; false when the pool ran out first (the
   * blocks taken so far stay with the sequence).
   */
  public boolean allocate(SequenceBlocks b, int positions) {
    int needed = blocksFor(positions);
    while (b.cache.blockCount() < needed) {
      int block = pool.allocate();
      if (block < 0) {
        return false;
      }
      b.cache.append(block);
    }
    return true;
  }

  /** Names every block filled by the first {@code computed} tokens, so others can reuse it. */
  public void registerFull(SequenceBlocks b, int[] tokens, int computed) {
    while ((b.hashed + 1) * blockSize <= computed) {
      long h = BlockHasher.hash(b.lastHash, tokens, b.hashed * blockSize, blockSize, b.adapter);
      pool.register(b.cache.block(b.hashed), h);
      b.hashed++;
      b.lastHash = h;
    }
  }

  /** Gives every block back; named blocks keep their content for reuse until evicted. */
  public void free(SequenceBlocks b) {
    b.cache.releaseAll();
    b.hashed = 0;
    b.lastHash = BlockHasher.ROOT;
  }

  /** Fraction of blocks referenced by running sequences (vLLM's kv_cache_usage_perc). */
  public double usage() {
    return pool.usage();
  }

  public long prefixQueries() {
    return pool.prefixQueries();
  }

  public long prefixHits() {
    return pool.prefixHits();
  }
}
