package dev.modelforge.engine.scheduler;

import dev.modelforge.engine.generate.TokenEmitter;
import dev.modelforge.engine.kvcache.KvCacheManager;
import java.util.Arrays;

/**
 * A request inside the scheduler: its tokens (prompt, then output), how many of them have keys and
 * values in its blocks (which the {@link KvCacheManager} owns).
 */
final class Sequence {

  final long id;
  final Request request;
  final KvCacheManager.SequenceBlocks blocks;
  final TokenEmitter emitter;
  int[] tokens;
  int length;

  /** Tokens whose keys and values are in the cache. */
  int computed;

  volatile boolean cancelled;
  boolean everScheduled;

  Sequence(long id, Request request, KvCacheManager kv, int vocab) {
    this.id = id;
    this.request = request;
    this.blocks = kv.open(request.adapterId());
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

  /** Back to nothing computed (preemption, or an admission that did not fit): recompute. */
  void resetForRecompute(KvCacheManager kv) {
    kv.free(blocks);
    computed = 0;
  }
}
