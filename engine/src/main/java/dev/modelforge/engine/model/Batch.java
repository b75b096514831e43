package dev.modelforge.engine.model;

/**
 * The tokens of one forward step, possibly from many sequences: each token has its position and the
 * KV cache of its sequence, and some tokens (usually each sequence's last) ask for logits. Matmuls
 * run over all tokens at once, so one step reads every weight once for the whole batch; attention
 * runs per token against its own sequence's cache. Reused from step to step.
 */
public final class Batch {

  final int[] tokens;
  final int[] positions;
  final KvCache[] caches;

  /** Per token: the LoRA adapter of its sequence, or null for the base model. */
  final dev.modelforge.engine.lora.LoraAdapter[] adapters;

  boolean hasAdapters;
  final int[] logitTokens;
  int size;
  int logitCount;

  public Batch(int maxTokens, int maxLogitRows) {
    this.tokens = new int[maxTokens];
    this.positions = new int[maxTokens];
    this.caches = new KvCache[maxTokens];
    this.adapters = new dev.modelforge.engine.lora.LoraAdapter[maxTokens];
    this.logitTokens = new int[maxLogitRows];
  }

  public void clear() {
    java.util.Arrays.fill(caches, 0, size, null);
    java.util.Arrays.fill(adapters, 0, size, null);
    hasAdapters = false;
    size = 0;
    logitCount = 0;
  }

  /**
   * Adds a token at {@code position} of the sequence whose cache is {@code cache}; returns the row
   * of its logits in the forward's output, or -1 when it asks for none.
   */
  public int add(int token, int position, KvCache cache, boolean wantLogits) {
    return add(token, position, cache, wantLogits, null);
  }

  /** As {@link #add(int, int, KvCache, boolean)}, run through LoRA {@code adapter} (null: base). */
  public int add(
      int token,
      int position,
      KvCache cache,
      boolean wantLogits,
      dev.modelforge.engine.lora.LoraAdapter adapter) {
    if (size == tokens.length) {
      throw new IllegalStateException("batch is full at " + size + " tokens");
    }
    tokens[size] = token;
    positions[size] = position;
    caches[size] = cache;
    adapters[size] = adapter;
    hasAdapters |= adapter != null;
    int row = -1;
    if (wantLogits) {
      if (logitCount == logitTokens.length) {
        throw new IllegalStateException("batch already has " + logitCount + " logit rows");
      }
      row = logitCount;
      logitTokens[logitCount++] = size;
    }
    size++;
    return row;
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return tokens.length;
  }

  public int logitCount() {
    return logitCount;
  }
}
