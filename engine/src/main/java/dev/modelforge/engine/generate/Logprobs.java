package dev.modelforge.engine.generate;

import java.util.ArrayList;
import java.util.List;

/** Log-softmax helpers over raw logits. */
public final class Logprobs {

  private Logprobs() {}

  /** {@code log(sum(exp(logits)))}, computed stably. */
  public static double logSumExp(float[] logits, int vocab) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(logits[i] - max);
    }
    return max + Math.log(sum);
  }

  /** The {@code k} most likely tokens, best first (lower id first on ties). */
  public static List<GeneratedToken.TokenLogprob> top(
      float[] logits, int vocab, int k, double lse) {
    int n = Math.min(k, vocab);
    int[] best = new int[n];
    int filled = 0;
    for (int i = 0; i < vocab; i++) {
      if (filled < n) {
        int j = filled++;
        while (j > 0 && logits[best[j - 1]] < logits[i]) {
          best[j] = best[j - 1];
          j--;
        }
        best[j] = i;
      } else if (logits[i] > logits[best[n - 1]]) {
        int j = n - 1;
        while (j > 0 && logits[best[j - 1]] < logits[i]) {
          best[j] = best[j - 1];
          j--;
        }
        best[j] = i;
      }
    }
    List<GeneratedToken.TokenLogprob> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new GeneratedToken.TokenLogprob(best[i], (float) (logits[best[i]] - lse)));
    }
    return out;
  }
}
