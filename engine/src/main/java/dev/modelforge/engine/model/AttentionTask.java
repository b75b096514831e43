package dev.modelforge.engine.model;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;

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

  private static final ThreadLocal<float[][]> SCORES =
      ThreadLocal.withInitial(() -> new float[1][0]);

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
      float[] scores = scores(len);
      int qOff = t * qDim + h * headDim;
      int kvHeadOff = (h / groupSize) * headDim;
      float max = Float.NEGATIVE_INFINITY;
      for (int p = 0; p < len; p++) {
        float s = VectorMath.dot(q, qOff, keys, cache.offset(p) + kvHeadOff, headDim) * scale;
        scores[p] = s;
        max = Math.max(max, s);
      }
      float sum = VectorMath.expShifted(scores, len, max);
      int oOff = t * qDim + h * headDim;
      java.util.Arrays.fill(out, oOff, oOff + headDim, 0f);
      float inv = 1f / sum;
      for (int p = 0; p < len; p++) {
        VectorMath.axpy(scores[p] * inv, values, cache.offset(p) + kvHeadOff, out, oOff, headDim);
      }
    }
  }

  private static float[] scores(int len) {
    float[][] holder = SCORES.get();
    if (holder[0].length < len) {
      holder[0] = new float[Math.max(len, holder[0].length * 2)];
    }
    return holder[0];
  }
}
