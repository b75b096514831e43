package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;
import dev.modelforge.engine.train.data.MicroBatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax cross-entropy of next-token logits against targets, where a negative target marks a
 * position that does not count (prompt tokens, padding). The forward keeps each row's log-sum-exp
 * so the backward needs one pass over the logits instead of two; both are SIMD, since with a large
 * vocabulary this is the largest elementwise work of a step, and use {@link VectorMath#exp}, whose
 * bits do not depend on when the JIT compiles them.
 */
public final class CrossEntropy {

  /** Targets below zero are left out of the loss. */
  public static final int IGNORE = MicroBatch.IGNORE;

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private CrossEntropy() {}

  /**
   * Writes each row's loss {@code logsumexp(logits) − logits[target]} (0 for ignored rows) and its
   * log-sum-exp, and returns the losses' sum in a fixed order.
   *
   * @param lse [rows] written, for {@link #backward}
   */
  public static double forward(
      float[] losses,
      float[] lse,
      float[] logits,
      int[] targets,
      int rows,
      int vocab,
      Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            if (targets[r] < 0) {
              losses[r] = 0f;
              continue;
            }
            int o = r * vocab;
            lse[r] = (float) VectorMath.logSumExp(logits, o, vocab);
            losses[r] = lse[r] - logits[o + targets[r]];
          }
        });
    double sum = 0;
    for (int r = 0; r < rows; r++) {
      sum += losses[r];
    }
    return sum;
  }

  /**
   * Overwrites the logits with {@code ∂L/∂logits = scale · (softmax − onehot(target))}, zero on
   * ignored rows, where L is {@code scale ·} the sum of the row losses.
   */
  public static void backward(
      float[] logits, float[] lse, int[] targets, int rows, int vocab, float scale, Parallel pool) {
    pool.run(
        rows,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int o = r * vocab;
            if (targets[r] < 0) {
              java.util.Arrays.fill(logits, o, o + vocab, 0f);
              continue;
            }
            float shift = lse[r];
            int upper = F.loopBound(vocab);
            int i = 0;
            for (; i < upper; i += F.length()) {
              VectorMath.exp(FloatVector.fromArray(F, logits, o + i).sub(shift))
                  .mul(scale)
                  .intoArray(logits, o + i);
            }
            for (; i < vocab; i++) {
              logits[o + i] = VectorMath.exp(logits[o + i] - shift) * scale;
            }
            logits[o + targets[r]] -= scale;
          }
        });
  }
}
