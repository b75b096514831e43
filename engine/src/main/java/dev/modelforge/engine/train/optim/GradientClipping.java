package dev.modelforge.engine.train.optim;

import dev.modelforge.engine.tensor.VectorMath;
import dev.modelforge.engine.train.layers.Parameter;
import java.util.List;

/** Clipping by the global norm of all gradients, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {

  private GradientClipping() {}

  /** The L2 norm of every gradient together, summed in a fixed order. */
  public static double globalNorm(List<Parameter> params) {
    double sum = 0;
    for (Parameter p : params) {
      float[] g = p.grad();
      for (int i = 0; i < g.length; i += 4096) {
        sum += VectorMath.sumOfSquares(g, i, Math.min(4096, g.length - i));
      }
    }
    return Math.sqrt(sum);
  }

  /**
   * Scales all gradients by {@code maxNorm / norm} when their global norm exceeds {@code maxNorm}
   * (0 or less turns clipping off), and returns the norm before clipping.
   */
  public static double clip(List<Parameter> params, double maxNorm) {
    double norm = globalNorm(params);
    if (maxNorm > 0 && norm > maxNorm) {
      float factor = (float) (maxNorm / (norm + 1e-6));
      for (Parameter p : params) {
        VectorMath.scale(p.grad(), 0, p.size(), factor);
      }
    }
    return norm;
  }
}
