package dev.modelforge.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorExpTest {

  @Test
  void expIsWithinTwoUlpOfMathExpAndTheScalarAndVectorFormsAgreeBitForBit() {
    int lanes = FloatVector.SPECIES_PREFERRED.length();
    float[] x = new float[lanes];
    float[] y = new float[lanes];
    double worstUlps = 0;
    for (float start = -87f; start < 88f; start += 0.0137f * lanes) {
      for (int i = 0; i < lanes; i++) {
        x[i] = start + 0.0137f * i;
      }
      VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
      for (int i = 0; i < lanes; i++) {
        float expected = (float) Math.exp(x[i]);
        worstUlps = Math.max(worstUlps, Math.abs(y[i] - expected) / Math.ulp(expected));
        assertThat(Float.floatToIntBits(VectorMath.exp(x[i])))
            .as("scalar exp(%s)", x[i])
            .isEqualTo(Float.floatToIntBits(y[i]));
      }
    }
    assertThat(worstUlps).isLessThanOrEqualTo(2.0);
    assertThat(VectorMath.exp(0f)).isEqualTo(1f);
    assertThat(VectorMath.exp(-1000f)).isLessThan(1e-37f);
  }
}
