package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;
import dev.modelforge.engine.train.data.MicroBatch;

/** Token embedding lookup, plus learned positions for GPT-2. */
public final class Embedding {

  private Embedding() {}

  /** {@code x[n] = wte[inputs[n]] (+ wpe[position(n)])}; x: [N, C]. */
  public static void forward(
      float[] x, MicroBatch mb, float[] wte, float[] wpe, int c, Parallel pool) {
    int[] inputs = mb.inputs();
    pool.run(
        mb.rows(),
        (start, end) -> {
          for (int n = start; n < end; n++) {
            System.arraycopy(wte, inputs[n] * c, x, n * c, c);
            if (wpe != null) {
              VectorMath.add(wpe, mb.position(n) * c, x, n * c, c);
            }
          }
        });
  }

  /**
   * {@code dwte[inputs[n]] += dx[n]} and {@code dwpe[t] += dx[n]}, either gradient may be null.
   * Split by channel so rows that share a token never race and sums keep a fixed order.
   */
  public static void backward(
      float[] dwte, float[] dwpe, float[] dx, MicroBatch mb, int c, Parallel pool) {
    int[] inputs = mb.inputs();
    int rows = mb.rows();
    pool.run(
        c,
        (start, end) -> {
          for (int n = 0; n < rows; n++) {
            int src = n * c;
            if (dwte != null) {
              int dst = inputs[n] * c;
              for (int i = start; i < end; i++) {
                dwte[dst + i] += dx[src + i];
              }
            }
            if (dwpe != null) {
              int dst = mb.position(n) * c;
              for (int i = start; i < end; i++) {
                dwpe[dst + i] += dx[src + i];
              }
            }
          }
        });
  }
}
