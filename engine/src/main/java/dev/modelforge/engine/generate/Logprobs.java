package dev.modelforge.engine.generate;

import dev.modelforge.engine.tensor.VectorMath;
import java.util.ArrayList;
import java.util.List;

/** Log-softmax helpers over raw logits. */
public final class Logprobs {

  private Logprobs() {}

  /** {@code log(sum(exp(logits)))}, computed stably. */
  public static double logSumExp(float[] logits, int vocab) {
    return logSumExp(logits, 0, vocab);
  }

  /** {@code log(sum(exp(logits[off .. off + vocab))))}. */
  public static double logSumExp(float[] logits, int off, int vocab) {
    return VectorMath.logSumExp(logits, off, vocab);
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
