package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal multi-head attention of T new tokens over the cache, one (token, head) pair per work item.
 * With GQA, query head h reads KV head {@code h / (NH / KVH)}. Reused between calls so the hot path
 * allocates nothing.
 *
 * <p>Work items run head-major ({@code item = h * T + t}): threads take contiguous ranges of items,
 * and a prefill chunk's later tokens attend over more positions than its earlier ones, so a
 * token-major order would leave the thread with the early tokens idle for much of the step.
 */
final class AttentionTask implements Parallel.RangeTask {

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  private final int heads;
  private final int headDim;
  private final int qDim;
  private final int groupSize;
  private final float scale;

  private float[] q;
  private float[] out;
  private Batch batch;
  private int layer;

  AttentionTask(ModelConfig c) {
    this.heads = c.heads();
    this.headDim = c.headDim();
    this.qDim = c.qDim();
    this.groupSize = c.heads() / c.kvHeads();
    this.scale = (float) (1.0 / Math.sqrt(c.headDim()));
  }

  void run(Parallel pool, float[] q, float[] out, Batch batch, int layer) {
    this.q = q;
    this.out = out;
    this.batch = batch;
    this.layer = layer;
    pool.run(batch.size * heads, this);
    this.q = null;
    this.out = null;
    this.batch = null;
  }

  @Override
  public void run(int start, int end) {
    for (int item = start; item < end; item++) {
      int h = item / batch.size;
      int t = item % batch.size;
      KvCache cache = batch.caches[t];
      float[] keys = cache.keys(layer);
      float[] values = cache.values(layer);
      int len = batch.positions[t] + 1; // causal: positions 0 .. pos
      Scratch scratch = SCRATCH.get().fit(len);
      float[] scores = scratch.scores;
      int[] rows = scratch.rows;
      int qOff = t * qDim + h * headDim;
      int kvHead = h / groupSize;
      for (int p = 0; p < len; p++) {
        rows[p] = cache.offset(p, kvHead);
      }
      float max;
      if (headDim == 4 * L) {
        max = scoresFourVectors(keys, rows, len, qOff, scores);
      } else {
        max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < len; p++) {
          float s = VectorMath.dot(q, qOff, keys, rows[p], headDim) * scale;
          scores[p] = s;
          max = Math.max(max, s);
        }
      }
      float sum = VectorMath.expShifted(scores, len, max);
      int oOff = t * qDim + h * headDim;
      float inv = 1f / sum;
      if (headDim == 4 * L) {
        mixFourVectors(values, rows, len, scores, inv, oOff);
      } else {
        java.util.Arrays.fill(out, oOff, oOff + headDim, 0f);
        for (int p = 0; p < len; p++) {
          VectorMath.axpy(scores[p] * inv, values, rows[p], out, oOff, headDim);
        }
      }
    }
  }

  /**
   * Scaled scores of the query at {@code qOff} against the key rows, for a head of four vectors (64
   * at 512 bits): the query stays in registers and each key row is summed as two short chains.
   */
  private float scoresFourVectors(float[] keys, int[] rows, int len, int qOff, float[] scores) {
    FloatVector q0 = FloatVector.fromArray(F, q, qOff);
    FloatVector q1 = FloatVector.fromArray(F, q, qOff + L);
    FloatVector q2 = FloatVector.fromArray(F, q, qOff + 2 * L);
    FloatVector q3 = FloatVector.fromArray(F, q, qOff + 3 * L);
    float max = Float.NEGATIVE_INFINITY;
    for (int p = 0; p < len; p++) {
      int k = rows[p];
      FloatVector a = FloatVector.fromArray(F, keys, k).mul(q0);
      FloatVector b = FloatVector.fromArray(F, keys, k + L).mul(q1);
      a = FloatVector.fromArray(F, keys, k + 2 * L).fma(q2, a);
      b = FloatVector.fromArray(F, keys, k + 3 * L).fma(q3, b);
      float s = a.add(b).reduceLanes(VectorOperators.ADD) * scale;
      scores[p] = s;
      max = Math.max(max, s);
    }
    return max;
  }

  /**
   * {@code out[oOff ..] = sum_p scores[p] * inv * V[p]} for a head of four vectors, accumulated in
   * registers (two positions at a time, eight independent chains) and stored once.
   */
  private void mixFourVectors(
      float[] values, int[] rows, int len, float[] scores, float inv, int oOff) {
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector b0 = a0;
    FloatVector b1 = a0;
    FloatVector b2 = a0;
    FloatVector b3 = a0;
    int p = 0;
    for (; p + 1 < len; p += 2) {
      int v = rows[p];
      int u = rows[p + 1];
      FloatVector wv = FloatVector.broadcast(F, scores[p] * inv);
      FloatVector wu = FloatVector.broadcast(F, scores[p + 1] * inv);
      a0 = FloatVector.fromArray(F, values, v).fma(wv, a0);
      a1 = FloatVector.fromArray(F, values, v + L).fma(wv, a1);
      a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(wv, a2);
      a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(wv, a3);
      b0 = FloatVector.fromArray(F, values, u).fma(wu, b0);
      b1 = FloatVector.fromArray(F, values, u + L).fma(wu, b1);
      b2 = FloatVector.fromArray(F, values, u + 2 * L).fma(wu, b2);
      b3 = FloatVector.fromArray(F, values, u + 3 * L).fma(wu, b3);
    }
    if (p < len) {
      int v = rows[p];
      FloatVector wv = FloatVector.broadcast(F, scores[p] * inv);
      a0 = FloatVector.fromArray(F, values, v).fma(wv, a0);
      a1 = FloatVector.fromArray(F, values, v + L).fma(wv, a1);
      a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(wv, a2);
      a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(wv, a3);
    }
    a0.add(b0).intoArray(out, oOff);
    a1.add(b1).intoArray(out, oOff + L);
    a2.add(b2).intoArray(out, oOff + 2 * L);
    a3.add(b3).intoArray(out, oOff + 3 * L);
  }

  /** Per-thread buffers over a sequence's positions: scores and the rows' offsets in the cache. */
  private static final class Scratch {
    float[] scores = new float[0];
    int[] rows = new int[0];

    Scratch fit(int len) {
      if (scores.length < len) {
        int size = Math.max(len, scores.length * 2);
        scores = new float[size];
        rows = new int[size];
      }
      return this;
    }
  }
}
