package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;

/**
 * RMSNorm over rows of width D: {@code y = w · x / sqrt(mean(x²) + eps)}. The forward keeps the
 * reciprocal RMS of each row for the backward; the float arithmetic matches the inference path.
 */
public final class RmsNorm {

  private RmsNorm() {}

  /** y, x: [rows, D]; w: [D]; rstd: [rows] (written). */
  public static void forward(
      float[] y, float[] x, float[] w, float[] rstd, int rows, int d, float eps, Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int o = r * d;
            float ss = VectorMath.sumOfSquares(x, o, d) / d;
            float inv = (float) (1.0 / Math.sqrt(ss + eps));
            rstd[r] = inv;
            for (int i = 0; i < d; i++) {
              y[o + i] = w[i] * (x[o + i] * inv);
            }
          }
        });
  }

  /**
   * {@code dx += ∂L/∂x} and, when dw is not null, {@code dw += ∂L/∂w}. With x̂ = x · rstd: {@code
   * dx = rstd · (dy·w − x̂ · mean(dy·w·x̂))}.
   */
  public static void backward(
      float[] dx,
      float[] dw,
      float[] dy,
      float[] x,
      float[] w,
      float[] rstd,
      int rows,
      int d,
      Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int o = r * d;
            float inv = rstd[r];
            double dot = 0;
            for (int i = 0; i < d; i++) {
              dot += dy[o + i] * w[i] * (x[o + i] * inv);
            }
            float meanDot = (float) (dot / d);
            for (int i = 0; i < d; i++) {
              float xhat = x[o + i] * inv;
              dx[o + i] += inv * (dy[o + i] * w[i] - xhat * meanDot);
            }
          }
        });
    if (dw != null) {
      // over columns, so each dw[i] sums its rows in a fixed order
      pool.run(
          d,
          (start, end) -> {
            for (int r = 0; r < rows; r++) {
              int o = r * d;
              float inv = rstd[r];
              for (int i = start; i < end; i++) {
                dw[i] += dy[o + i] * x[o + i] * inv;
              }
            }
          });
    }
  }
}
