package dev.modelforge.engine.train;

import dev.modelforge.engine.tensor.Parallel;

/**
 * Softmax cross-entropy of next-token logits against targets, where a negative target marks a
 * position that does not count (prompt tokens, padding).
 */
final class CrossEntropy {

  /** Targets below zero are left out of the loss. */
  static final int IGNORE = -1;

  private CrossEntropy() {}

  /**
   * Writes each row's loss {@code logsumexp(logits) − logits[target]} (0 for ignored rows) and
   * returns their sum in a fixed order.
   */
  static double forward(
      float[] losses, float[] logits, int[] targets, int rows, int vocab, Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            losses[r] = targets[r] < 0 ? 0f : (float) rowLoss(logits, r * vocab, vocab, targets[r]);
          }
        });
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      sum += losses[r];
    }
    return sum;
  }

  private static double rowLoss(float[] logits, int o, int vocab, int target) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[o + i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(logits[o + i] - max);
    }
    return Math.log(sum) + max - logits[o + target];
  }

  /**
   * Overwrites the logits with {@code ∂L/∂logits = scale · (softmax − onehot(target))}, zero on
   * ignored rows, where L is {@code scale ·} the sum of the row losses.
   */
  static void backward(
      float[] logits, int[] targets, int rows, int vocab, float scale, Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int o = r * vocab;
            if (targets[r] < 0) {
              java.util.Arrays.fill(logits, o, o + vocab, 0f);
              continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
              max = Math.max(max, logits[o + i]);
            }
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
              float e = (float) Math.exp(logits[o + i] - max);
              logits[o + i] = e;
              sum += e;
            }
            float norm = (float) (scale / sum);
            for (int i = 0; i < vocab; i++) {
              logits[o + i] *= norm;
            }
            logits[o + targets[r]] -= scale;
          }
        });
  }
}
