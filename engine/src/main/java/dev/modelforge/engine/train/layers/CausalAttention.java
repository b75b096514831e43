package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;
import java.util.Arrays;

/**
 * Causal multi-head self-attention over a right-padded micro-batch, with GQA: query head h reads KV
 * head {@code h / (NH / KVH)}. Row {@code n = b · T + t}; sequence b attends over its own positions
 * {@code 0 .. t}, and its padded rows ({@code t ≥ lengths[b]}) get zero output and zero gradient,
 * so padding needs no separate mask. q, k and v are read through (offset, row stride) views so
 * GPT-2's fused qkv buffer and Llama's separate ones share this code.
 *
 * <p>Work is split by (sequence, KV head): every write of one item, including the dk and dv sums
 * over the query heads of its group, stays inside that item, which keeps the backward race-free and
 * deterministic.
 */
public final class CausalAttention {

  /** A [N, *] buffer read at column {@code offset} with row stride {@code stride}. */
  public record View(float[] data, int offset, int stride) {
    public int row(int n) {
      return offset + n * stride;
    }
  }

  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int group;
  private final float scale;

  public CausalAttention(int heads, int kvHeads, int headDim) {
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.group = heads / kvHeads;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
  }

  /**
   * out: [N, NH·HS]; att: [B, NH, T, T] softmax probabilities, kept for the backward.
   *
   * @param lengths [B] real tokens of each sequence
   * @param segmentStarts [B, T] where each row's segment begins
   */
  public void forward(
      float[] out,
      float[] att,
      View q,
      View k,
      View v,
      int[] lengths,
      int[] segmentStarts,
      int batch,
      int t,
      Parallel pool) {
    int qDim = heads * headDim;
    pool.run(
        batch * kvHeads,
        (start, end) -> {
          for (int item = start; item < end; item++) {
            int b = item / kvHeads;
            int kvh = item % kvHeads;
            int kvCol = kvh * headDim;
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
              for (int ti = 0; ti < t; ti++) {
                int n = b * t + ti;
                int o = n * qDim + h * headDim;
                int a = ((b * heads + h) * t + ti) * t;
                Arrays.fill(att, a, a + t, 0f);
                Arrays.fill(out, o, o + headDim, 0f);
                if (ti >= lengths[b]) {
                  continue;
                }
                int qo = q.row(n) + h * headDim;
                int first = segmentStarts[n];
                float max = Float.NEGATIVE_INFINITY;
                for (int p = first; p <= ti; p++) {
                  float s =
                      VectorMath.dot(q.data(), qo, k.data(), k.row(b * t + p) + kvCol, headDim)
                          * scale;
                  att[a + p] = s;
                  max = Math.max(max, s);
                }
                float sum = 0;
                for (int p = first; p <= ti; p++) {
                  float e = (float) Math.exp(att[a + p] - max);
                  att[a + p] = e;
                  sum += e;
                }
                float inv = 1f / sum;
                for (int p = first; p <= ti; p++) {
                  att[a + p] *= inv;
                  VectorMath.axpy(att[a + p], v.data(), v.row(b * t + p) + kvCol, out, o, headDim);
                }
              }
            }
          }
        });
  }

  /**
   * Writes dq, dk and dv (every row of the micro-batch, zeros on padding) from dOut [N, NH·HS]:
   * {@code dv += a·dout}, {@code da = dout·v}, {@code ds = a·(da − Σ a·da)}, {@code dq += scale ·
   * ds·k}, {@code dk += scale · ds·q}.
   */
  public void backward(
      View dq,
      View dk,
      View dv,
      float[] dOut,
      float[] att,
      View q,
      View k,
      View v,
      int[] lengths,
      int[] segmentStarts,
      int batch,
      int t,
      Parallel pool) {
    int qDim = heads * headDim;
    pool.run(
        batch * kvHeads,
        (start, end) -> {
          float[] dAtt = new float[t];
          for (int item = start; item < end; item++) {
            int b = item / kvHeads;
            int kvh = item % kvHeads;
            int kvCol = kvh * headDim;
            for (int ti = 0; ti < t; ti++) {
              int n = b * t + ti;
              Arrays.fill(dk.data(), dk.row(n) + kvCol, dk.row(n) + kvCol + headDim, 0f);
              Arrays.fill(dv.data(), dv.row(n) + kvCol, dv.row(n) + kvCol + headDim, 0f);
              for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                int qo = dq.row(n) + h * headDim;
                Arrays.fill(dq.data(), qo, qo + headDim, 0f);
              }
            }
            for (int h = kvh * group; h < (kvh + 1) * group; h++) {
              for (int ti = 0; ti < lengths[b] && ti < t; ti++) {
                int n = b * t + ti;
                int o = n * qDim + h * headDim;
                int a = ((b * heads + h) * t + ti) * t;
                int first = segmentStarts[n];
                float dot = 0;
                for (int p = first; p <= ti; p++) {
                  int kvRow = b * t + p;
                  float da = VectorMath.dot(dOut, o, v.data(), v.row(kvRow) + kvCol, headDim);
                  dAtt[p] = da;
                  dot += att[a + p] * da;
                  VectorMath.axpy(att[a + p], dOut, o, dv.data(), dv.row(kvRow) + kvCol, headDim);
                }
                int qo = q.row(n) + h * headDim;
                int dqo = dq.row(n) + h * headDim;
                for (int p = first; p <= ti; p++) {
                  int kvRow = b * t + p;
                  float ds = att[a + p] * (dAtt[p] - dot) * scale;
                  VectorMath.axpy(ds, k.data(), k.row(kvRow) + kvCol, dq.data(), dqo, headDim);
                  VectorMath.axpy(ds, q.data(), qo, dk.data(), dk.row(kvRow) + kvCol, headDim);
                }
              }
            }
          }
        });
  }
}
