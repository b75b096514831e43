package dev.modelforge.engine.generate;

import java.util.Arrays;

/**
 * The logit filters of the usual samplers, each wrapping the next. Order as in Hugging Face and
 * vLLM: temperature, then top-k, top-p, min-p, then the draw.
 */
public final class Filters {

  private Filters() {}

  /** Divides the logits by {@code temperature} (> 0). */
  public static Sampler temperature(double temperature, Sampler inner) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException(
          "temperature must be > 0 for sampling, got " + temperature);
    }
    float inv = (float) (1 / temperature);
    return (logits, vocab) -> {
      for (int i = 0; i < vocab; i++) {
        logits[i] *= inv;
      }
      return inner.sample(logits, vocab);
    };
  }

  /** Keeps the {@code k} largest logits (ties at the k-th value are kept too). */
  public static Sampler topK(int k, int vocab, Sampler inner) {
    if (k < 1) {
      throw new IllegalArgumentException("top_k must be >= 1, got " + k);
    }
    float[] scratch = new float[vocab];
    return (logits, n) -> {
      if (k < n) {
        System.arraycopy(logits, 0, scratch, 0, n);
        Arrays.sort(scratch, 0, n);
        float kth = scratch[n - k];
        for (int i = 0; i < n; i++) {
          if (logits[i] < kth) {
            logits[i] = Float.NEGATIVE_INFINITY;
          }
        }
      }
      return inner.sample(logits, n);
    };
  }

  /**
   * Nucleus filter: keeps the smallest set of most likely tokens whose probability reaches {@code
   * p} (the token that crosses p is kept).
   */
  public static Sampler topP(double p, int vocab, Sampler inner) {
    if (!(p > 0 && p <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + p);
    }
    float[] sorted = new float[vocab];
    return (logits, n) -> {
      if (p < 1) {
        System.arraycopy(logits, 0, sorted, 0, n);
        Arrays.sort(sorted, 0, n);
        float max = sorted[n - 1];
        double total = 0;
        for (int i = 0; i < n; i++) {
          total += Math.exp(sorted[i] - max);
        }
        double cumulative = 0;
        float cutoff = sorted[n - 1];
        for (int i = n - 1; i >= 0; i--) {
          cumulative += Math.exp(sorted[i] - max) / total;
          cutoff = sorted[i];
          if (cumulative >= p) {
            break;
          }
        }
        for (int i = 0; i < n; i++) {
          if (logits[i] < cutoff) {
            logits[i] = Float.NEGATIVE_INFINITY;
          }
        }
      }
      return inner.sample(logits, n);
    };
  }

  /** Drops tokens whose probability is below {@code minP} times the most likely token's. */
  public static Sampler minP(double minP, Sampler inner) {
    if (!(minP >= 0 && minP <= 1)) {
      throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
    }
    float logMin = (float) Math.log(minP);
    return (logits, n) -> {
      if (minP > 0) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
          max = Math.max(max, logits[i]);
        }
        float threshold = max + logMin;
        for (int i = 0; i < n; i++) {
          if (logits[i] < threshold) {
            logits[i] = Float.NEGATIVE_INFINITY;
          }
        }
      }
      return inner.sample(logits, n);
    };
  }
}
