package dev.modelforge.engine.model;

import dev.modelforge.engine.tensor.VectorMath;

/** RMSNorm (Llama family) and LayerNorm (GPT-2) over rows of a [T, n] buffer. */
final class Norms {

  private Norms() {}

  /** {@code out[row] = x[row] / sqrt(mean(x[row]^2) + eps) * weight}. */
  static void rmsNorm(
      float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
    float ss = VectorMath.sumOfSquares(x, xOff, n) / n;
    float inv = (float) (1.0 / Math.sqrt(ss + eps));
    for (int i = 0; i < n; i++) {
      out[outOff + i] = weight[i] * (x[xOff + i] * inv);
    }
  }

  /** {@code out[row] = (x[row] - mean) / sqrt(var + eps) * weight + bias}, biased variance. */
  static void layerNorm(
      float[] out,
      int outOff,
      float[] x,
      int xOff,
      float[] weight,
      float[] bias,
      int n,
      float eps) {
    float mean = 0;
    for (int i = 0; i < n; i++) {
      mean += x[xOff + i];
    }
    mean /= n;
    float var = 0;
    for (int i = 0; i < n; i++) {
      float d = x[xOff + i] - mean;
      var += d * d;
    }
    var /= n;
    float inv = (float) (1.0 / Math.sqrt(var + eps));
    for (int i = 0; i < n; i++) {
      out[outOff + i] = (x[xOff + i] - mean) * inv * weight[i] + bias[i];
    }
  }
}
