package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.tensor.Parallel;

/**
 * Mutable buffers for running up to {@code maxTokens} tokens through the model at once, allocated
 * once. Shapes use {@code T = maxTokens}.
 */
public final class InferenceState {

  final int maxTokens;
  final int logitRows;
  final Batch batch;
  final Parallel pool;

  /** [T, C] residual stream. */
  final float[] x;

  /** [T, C] normalised input of a sub-block. */
  final float[] xb;

  /** [T, NH*HS] queries, then [T, NH*HS] attention output. */
  final float[] q;

  final float[] attnOut;

  /** [T, KVH*HS] keys and values of the current tokens. */
  final float[] k;

  final float[] v;

  /** [T, C] output of a projection before it joins the residual. */
  final float[] proj;

  /** [T, F] MLP hidden activations. */
  final float[] hb;

  final float[] hb2;

  /** [logitRows, V] logits of the tokens that asked for them. */
  final float[] logits;

  final AttentionTask attention;

  /** False for a pooling state: the forward pass stops after the final norm. */
  final boolean head;

  InferenceState(ModelConfig c, int maxTokens, int logitRows, Parallel pool) {
    this(c, maxTokens, logitRows, pool, true);
  }

  /**
   * @param head whether the output head runs (false: a pooling state, which keeps every token's
   *     final-normed hidden state and has no logits buffer)
   */
  InferenceState(ModelConfig c, int maxTokens, int logitRows, Parallel pool, boolean head) {
    if (maxTokens < 1 || logitRows < 1) {
      throw new IllegalArgumentException("a state needs at least one token and one logit row");
    }
    this.maxTokens = maxTokens;
    this.logitRows = logitRows;
    this.batch = new Batch(maxTokens, logitRows);
    this.pool = pool;
    this.x = new float[maxTokens * c.dim()];
    this.xb = new float[Math.max(maxTokens, logitRows) * c.dim()];
    this.q = new float[maxTokens * c.qDim()];
    this.attnOut = new float[maxTokens * c.qDim()];
    this.k = new float[maxTokens * c.kvDim()];
    this.v = new float[maxTokens * c.kvDim()];
    this.proj = new float[maxTokens * c.dim()];
    this.hb = new float[maxTokens * c.ffnDim()];
    this.hb2 = new float[maxTokens * c.ffnDim()];
    this.logits = head ? new float[Math.multiplyExact(logitRows, c.vocabSize())] : new float[0];
    this.head = head;
    this.attention = new AttentionTask(c);
  }

  private float[] loraScratch = new float[64];

  /** A buffer of at least {@code rank} floats for LoRA's A x; grows once per larger rank. */
  float[] loraScratch(int rank) {
    if (loraScratch.length < rank) {
      loraScratch = new float[rank];
    }
    return loraScratch;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public int logitRows() {
    return logitRows;
  }

  public Parallel pool() {
    return pool;
  }
}
