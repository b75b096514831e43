package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;

/** GPT-2's tanh approximation of GELU ("gelu_new"), elementwise. */
public final class Gelu {

  private static final float K = 0.7978845608028654f; // sqrt(2 / pi)
  private static final float C = 0.044715f;

  private Gelu() {}

  public static void forward(float[] y, float[] x, int count, Parallel pool) {
    pool.run(
        count,
        (start, end) -> {
          for (int i = start; i < end; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1f + (float) Math.tanh(K * (v + C * v * v * v)));
          }
        });
  }

  /** {@code dx = dy · (½(1 + th) + ½ x (1 − th²) k (1 + 3c x²))} with th the tanh term. */
  public static void backward(float[] dx, float[] dy, float[] x, int count, Parallel pool) {
    pool.run(
        count,
        (start, end) -> {
          for (int i = start; i < end; i++) {
            float v = x[i];
            float th = (float) Math.tanh(K * (v + C * v * v * v));
            float local = 0.5f * (1f + th) + 0.5f * v * (1f - th * th) * K * (1f + 3f * C * v * v);
            dx[i] = dy[i] * local;
          }
        });
  }
}
