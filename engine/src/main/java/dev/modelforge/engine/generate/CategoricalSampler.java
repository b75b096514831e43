package dev.modelforge.engine.generate;

import java.util.random.RandomGenerator;

/** Draws a token from softmax(logits); tokens filtered to -infinity are never drawn. */
public final class CategoricalSampler implements Sampler {

  private final RandomGenerator rng;

  public CategoricalSampler(RandomGenerator rng) {
    this.rng = rng;
  }

  @Override
  public int sample(float[] logits, int vocab) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(logits[i] - max);
    }
    double u = rng.nextDouble() * sum;
    double cumulative = 0;
    int last = 0;
    for (int i = 0; i < vocab; i++) {
      if (logits[i] == Float.NEGATIVE_INFINITY) {
        continue;
      }
      cumulative += Math.exp(logits[i] - max);
      last = i;
      if (u < cumulative) {
        return i;
      }
    }
    return last; // rounding left u at the very top
  }
}
