package dev.modelforge.engine.generate;

import dev.modelforge.engine.tensor.VectorMath;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Log-softmax helpers over raw logits. */
public final class Logprobs {

  private Logprobs() {}

  /** {@code log(sum(exp(logits)))}, computed stably. */
  public static double logSumExp(float[] logits, int vocab) {
    return logSumExp(logits, 0, vocab);
  }

  /**
   * {@code log(sum(exp(logits[off .. off + vocab))))}. Vectorized: it runs for every generated
   * token of every sequence on the engine thread, and a scalar pass over a 32k vocabulary costs as
   * much as a large part of a batched decode step.
   */
  public static double logSumExp(float[] logits, int off, int vocab) {
    VectorSpecies<Float> species = FloatVector.SPECIES_PREFERRED;
    int upper = species.loopBound(vocab);
    FloatVector vmax = FloatVector.broadcast(species, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i < upper; i += species.length()) {
      vmax = vmax.max(FloatVector.fromArray(species, logits, off + i));
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (; i < vocab; i++) {
      max = Math.max(max, logits[off + i]);
    }
    if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
      return max;
    }
    FloatVector vsum = FloatVector.zero(species);
    for (i = 0; i < upper; i += species.length()) {
      vsum = vsum.add(VectorMath.exp(FloatVector.fromArray(species, logits, off + i).sub(max)));
    }
    double sum = vsum.reduceLanes(VectorOperators.ADD);
    for (; i < vocab; i++) {
      sum += VectorMath.exp(logits[off + i] - max);
    }
    return max + Math.log(sum);
  }

  /** The {@code k} most likely tokens, best first (lower id first on ties). */
  public static List<GeneratedToken.TokenLogprob> top(
      float[] logits, int vocab, int k, double lse) {
    return top(logits, 0, vocab, k, lse);
  }

  /** The {@code k} most likely tokens of {@code logits[off .. off + vocab)}, best first. */
  public static List<GeneratedToken.TokenLogprob> top(
      float[] logits, int off, int vocab, int k, double lse) {
    int n = Math.min(k, vocab);
    int[] best = new int[n];
    int filled = 0;
    for (int i = 0; i < vocab; i++) {
      float v = logits[off + i];
      int j;
      if (filled < n) {
        j = filled++;
      } else if (v > logits[off + best[n - 1]]) {
        j = n - 1;
      } else {
        continue;
      }
      while (j > 0 && logits[off + best[j - 1]] < v) {
        best[j] = best[j - 1];
        j--;
      }
      best[j] = i;
    }
    List<GeneratedToken.TokenLogprob> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new GeneratedToken.TokenLogprob(best[i], (float) (logits[off + best[i]] - lse)));
    }
    return out;
  }
}
