package dev.modelforge.engine.train;

import static org.assertj.core.api.Assertions.fail;

import java.util.function.DoubleSupplier;

/**
 * Central finite differences against analytic gradients. The loss is evaluated in float by the code
 * under test and summed in double, so the step is chosen large enough for the difference to rise
 * well above float rounding, and the comparison is relative to the gradient's size.
 */
final class GradientCheck {

  private GradientCheck() {}

  /** {@code (L(θ_i + h) − L(θ_i − h)) / 2h} for every i, restoring θ afterwards. */
  static float[] numeric(float[] theta, double h, DoubleSupplier loss) {
    float[] g = new float[theta.length];
    for (int i = 0; i < theta.length; i++) {
      g[i] = numericAt(theta, i, h, loss);
    }
    return g;
  }

  static float numericAt(float[] theta, int i, double h, DoubleSupplier loss) {
    float saved = theta[i];
    theta[i] = (float) (saved + h);
    double up = loss.getAsDouble();
    theta[i] = (float) (saved - h);
    double down = loss.getAsDouble();
    theta[i] = saved;
    return (float) ((up - down) / (2 * h));
  }

  /**
   * Fails unless {@code ‖analytic − numeric‖ ≤ tolerance · ‖numeric‖} (and the numeric gradient is
   * not all zeros, which would make the check vacuous), naming the worst element.
   */
  static void assertClose(float[] analytic, float[] numeric, double tolerance, String label) {
    double diff = 0;
    double norm = 0;
    int worst = 0;
    for (int i = 0; i < numeric.length; i++) {
      double d = analytic[i] - numeric[i];
      diff += d * d;
      norm += (double) numeric[i] * numeric[i];
      if (Math.abs(d) > Math.abs(analytic[worst] - numeric[worst])) {
        worst = i;
      }
    }
    if (norm == 0) {
      fail("%s: the numeric gradient is zero, so the check proves nothing", label);
    }
    double rel = Math.sqrt(diff / norm);
    if (!(rel <= tolerance)) {
      fail(
          "%s: relative error %.3g exceeds %.1g; worst at [%d]: analytic %s, numeric %s",
          label, rel, tolerance, worst, analytic[worst], numeric[worst]);
    }
  }

  /** A random projection of an output: {@code L = Σ w_i · y_i} gives ∂L/∂y = w. */
  static double project(float[] y, float[] w, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) y[i] * w[i];
    }
    return s;
  }
}
