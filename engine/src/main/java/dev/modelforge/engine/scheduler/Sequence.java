package dev.modelforge.engine.scheduler;

import dev.modelforge.engine.generate.TokenEmitter;
import dev.modelforge.engine.kvcache.BlockHasher;
import dev.modelforge.engine.kvcache.BlockPool;
import dev.modelforge.engine.kvcache.PagedKvCache;
import java.util.Arrays;

/**
 * A request inside the scheduler: its tokens (prompt, then output), how many of them have keys and
 * values in its paged cache, and the hashes of its full blocks for prefix caching.
 */
final class Sequence {

  final long id;
  final Request request;
  final PagedKvCache cache;
  final TokenEmitter emitter;
  int[] tokens;
  int length;

  /** Tokens whose keys and values are in the cache. */
  int computed;

  /** Full blocks whose hash is known, and the hash of the last of them. */
  int hashedBlocks;

  long lastHash = BlockHasher.ROOT;
  volatile boolean cancelled;
  boolean everScheduled;

  Sequence(long id, Request request, BlockPool pool, int vocab) {
    this.id = id;
    this.request = request;
    this.cache = new PagedKvCache(pool);
    this.emitter =
        new TokenEmitter(
            request.params(),
            vocab,
            request.promptIds(),
            request.eosIds(),
            request.text(),
            request.constraint());
    this.tokens = Arrays.copyOf(request.promptIds(), request.promptIds().length + 16);
    this.length = request.promptIds().length;
  }

  int promptLength() {
    return request.promptIds().length;
  }

  void append(int token) {
    if (length == tokens.length) {
      tokens = Arrays.copyOf(tokens, length * 2);
    }
    tokens[length++] = token;
  }

  /** Tokens still to run through the model before the next one can be sampled. */
  int pending() {
    return length - computed;
  }

  /** Blocks needed to hold the first {@code positions} positions. */
  static int blocksFor(int positions, int blockSize) {
    return (positions + blockSize - 1) / blockSize;
  }

  /** Frees the cache (preemption, or an admission that did not fit): recompute from scratch. */
  void resetForRecompute() {
    cache.releaseAll();
    computed = 0;
    hashedBlocks = 0;
    lastHash = BlockHasher.ROOT;
  }
}
