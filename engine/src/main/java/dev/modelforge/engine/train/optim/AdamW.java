package dev.modelforge.engine.train.optim;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.train.layers.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization"), as PyTorch implements
 * it: decay the weights directly by {@code lr · weightDecay}, update both moments, bias-correct
 * both moments, then step by {@code lr · m̂ / (√v̂ + ε)}. Weight decay applies to matrices only,
 * not to norm weights and biases (as nanoGPT and the Hugging Face Trainer do).
 */
public final class AdamW {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final List<Parameter> params;
  private final Map<Parameter, float[]> firstMoment = new LinkedHashMap<>();
  private final Map<Parameter, float[]> secondMoment = new LinkedHashMap<>();
  private long step;

  public AdamW(List<Parameter> params, double beta1, double beta2, double eps, double weightDecay) {
    this.params = List.copyOf(params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    for (Parameter p : params) {
      firstMoment.put(p, new float[p.size()]);
      secondMoment.put(p, new float[p.size()]);
    }
  }

  /** Updates every parameter from its gradient at learning rate {@code lr}. */
  public void step(double lr, Parallel pool) {
    step++;
    // bias-correct both moments: they start at zero and would underestimate early on
    final float correction1 = (float) (1 - Math.pow(beta1, step));
    final float correction2 = (float) (1 - Math.pow(beta2, step));
    final float b1 = (float) beta1;
    final float b2 = (float) beta2;
    final float e = (float) eps;
    final float rate = (float) lr;
    for (Parameter p : params) {
      float[] w = p.value();
      float[] g = p.grad();
      float[] m = firstMoment.get(p);
      float[] v = secondMoment.get(p);
      float decay = p.shape().length >= 2 ? (float) (1 - lr * weightDecay) : 1f;
      pool.run(
          w.length,
          (start, end) -> {
            // SIMD over the bulk; only exact IEEE operations, so the bits match the scalar tail's
            int i = start;
            for (int upper = start + F.loopBound(end - start); i < upper; i += F.length()) {
              FloatVector gi = FloatVector.fromArray(F, g, i);
              FloatVector mi = FloatVector.fromArray(F, m, i).mul(b1).add(gi.mul(1 - b1));
              FloatVector vi = FloatVector.fromArray(F, v, i).mul(b2).add(gi.mul(gi).mul(1 - b2));
              mi.intoArray(m, i);
              vi.intoArray(v, i);
              FloatVector mHat = mi.div(correction1);
              FloatVector vHat = vi.div(correction2);
              FloatVector.fromArray(F, w, i)
                  .mul(decay)
                  .sub(mHat.mul(rate).div(vHat.lanewise(VectorOperators.SQRT).add(e)))
                  .intoArray(w, i);
            }
            for (; i < end; i++) {
              float gi = g[i];
              m[i] = m[i] * b1 + gi * (1 - b1);
              v[i] = v[i] * b2 + gi * gi * (1 - b2);
              float mHat = m[i] / correction1;
              float vHat = v[i] / correction2;
              w[i] = w[i] * decay - mHat * rate / ((float) Math.sqrt(vHat) + e);
            }
          });
      p.markUpdated();
    }
  }

  /** Optimizer steps taken so far. */
  public long stepCount() {
    return step;
  }

  public List<Parameter> parameters() {
    return params;
  }

  /** m of a parameter (exp_avg in PyTorch's state), for checkpoints. */
  public float[] firstMoment(Parameter p) {
    return firstMoment.get(p);
  }

  /** v of a parameter (exp_avg_sq), for checkpoints. */
  public float[] secondMoment(Parameter p) {
    return secondMoment.get(p);
  }

  /** Restores the state a checkpoint saved: moments are filled in place, then the step count. */
  public void restoreStepCount(long steps) {
    this.step = steps;
  }
}
