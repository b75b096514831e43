package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;

/**
 * LayerNorm over rows of width D (GPT-2): {@code y = (x − mean) / sqrt(var + eps) · w + b} with the
 * biased variance. The forward keeps each row's mean and reciprocal standard deviation.
 */
public final class LayerNorm {

  private LayerNorm() {}

  public static void forward(
      float[] y,
      float[] x,
      float[] w,
      float[] b,
      float[] mean,
      float[] rstd,
      int rows,
      int d,
      float eps,
      Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int o = r * d;
            float m = 0;
            for (int i = 0; i < d; i++) {
              m += x[o + i];
            }
            m /= d;
            float var = 0;
            for (int i = 0; i < d; i++) {
              float diff = x[o + i] - m;
              var += diff * diff;
            }
            var /= d;
            float inv = (float) (1.0 / Math.sqrt(var + eps));
            mean[r] = m;
            rstd[r] = inv;
            for (int i = 0; i < d; i++) {
              y[o + i] = (x[o + i] - m) * inv * w[i] + b[i];
            }
          }
        });
  }

  /**
   * {@code dx += ∂L/∂x}, {@code dw += Σ dy·x̂}, {@code db += Σ dy} (llm.c's layernorm_backward):
   * {@code dx = rstd · (dy·w − mean(dy·w) − x̂ · mean(dy·w·x̂))}.
   */
  public static void backward(
      float[] dx,
      float[] dw,
      float[] db,
      float[] dy,
      float[] x,
      float[] w,
      float[] mean,
      float[] rstd,
      int rows,
      int d,
      Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int o = r * d;
            float m = mean[r];
            float inv = rstd[r];
            double sumDnorm = 0;
            double sumDnormXhat = 0;
            for (int i = 0; i < d; i++) {
              float dnorm = dy[o + i] * w[i];
              sumDnorm += dnorm;
              sumDnormXhat += dnorm * (x[o + i] - m) * inv;
            }
            float meanDnorm = (float) (sumDnorm / d);
            float meanDnormXhat = (float) (sumDnormXhat / d);
            for (int i = 0; i < d; i++) {
              float xhat = (x[o + i] - m) * inv;
              dx[o + i] += inv * (dy[o + i] * w[i] - meanDnorm - xhat * meanDnormXhat);
            }
          }
        });
    if (dw != null) {
      pool.run(
          d,
          (start, end) -> {
            for (int r = 0; r < rows; r++) {
              int o = r * d;
              for (int i = start; i < end; i++) {
                dw[i] += dy[o + i] * (x[o + i] - mean[r]) * rstd[r];
                db[i] += dy[o + i];
              }
            }
          });
    }
  }
}
