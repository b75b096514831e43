package dev.modelforge.engine.testing;

import static org.assertj.core.api.Assertions.fail;

/** Numerical comparison in the style of llm.c's test_gpt2: report the worst difference. */
public final class Check {

  private Check() {}

  /**
   * Fails unless {@code |actual[i] - expected[i]| <= tolerance * max(1, |expected[i]|)} for every
   * i, naming the worst element.
   */
  public static void checkTensor(
      float[] actual, int aOff, float[] expected, int eOff, int n, double tolerance, String label) {
    double worst = 0;
    int worstAt = -1;
    for (int i = 0; i < n; i++) {
      double e = expected[eOff + i];
      double a = actual[aOff + i];
      double diff = Math.abs(a - e) / Math.max(1.0, Math.abs(e));
      if (Double.isNaN(a) || diff > worst) {
        worst = Double.isNaN(a) ? Double.POSITIVE_INFINITY : diff;
        worstAt = i;
      }
    }
    if (worst > tolerance) {
      fail(
          "%s: worst difference %.3g at [%d] (actual %s, expected %s) exceeds %.1g",
          label, worst, worstAt, actual[aOff + worstAt], expected[eOff + worstAt], tolerance);
    }
  }

  public static void checkTensor(float[] actual, float[] expected, double tolerance, String label) {
    if (actual.length != expected.length) {
      fail("%s: length %d, expected %d", label, actual.length, expected.length);
    }
    checkTensor(actual, 0, expected, 0, actual.length, tolerance, label);
  }
}
