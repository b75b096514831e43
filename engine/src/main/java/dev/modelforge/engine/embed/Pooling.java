package dev.modelforge.engine.embed;

import java.util.Locale;

/**
 * How an embedding is read from a sequence's hidden states {@code [T, C]}, with vLLM's pooling
 * types: the last token's (decoder models, vLLM's default for them), the mean over tokens, or the
 * first token's (CLS).
 */
public enum Pooling {
  LAST,
  MEAN,
  CLS;

  /** vLLM's name (last, mean, cls), any case. */
  public static Pooling named(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pooling must be last, mean or cls, got '" + name + "'");
    }
  }

  /** Pools {@code hidden[0 .. T*C)} into a new vector of C floats, L2-normalised if asked. */
  public float[] pool(float[] hidden, int tokens, int dim, boolean normalize) {
    float[] out = new float[dim];
    switch (this) {
      case LAST -> System.arraycopy(hidden, (tokens - 1) * dim, out, 0, dim);
      case CLS -> System.arraycopy(hidden, 0, out, 0, dim);
      case MEAN -> {
        double[] sum = new double[dim];
        for (int t = 0; t < tokens; t++) {
          for (int c = 0; c < dim; c++) {
            sum[c] += hidden[t * dim + c];
          }
        }
        for (int c = 0; c < dim; c++) {
          out[c] = (float) (sum[c] / tokens);
        }
      }
    }
    if (normalize) {
      double norm = 0;
      for (float v : out) {
        norm += (double) v * v;
      }
      float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      for (int c = 0; c < dim; c++) {
        out[c] *= inv;
      }
    }
    return out;
  }
}
