package dev.modelforge.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.engine.train.optim.AdamW;
import dev.modelforge.engine.train.optim.GradientClipping;
import dev.modelforge.engine.train.optim.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimizationTest {

  @Test
  void adamWMatchesTheReferenceUpdateWithBiasCorrectionAndDecoupledDecay() {
    Parameter w = new Parameter("w", new float[] {1.0f, -2.0f}, 1, 2);
    Parameter bias = new Parameter("b", new float[] {0.5f}, 1);
    w.setTrainable(true);
    bias.setTrainable(true);
    double lr = 0.1;
    double b1 = 0.9;
    double b2 = 0.99;
    double eps = 1e-8;
    double wd = 0.5;
    AdamW adam = new AdamW(List.of(w, bias), b1, b2, eps, wd);
    double[] grads = {0.3, -0.4};
    double p = 1.0;
    double pBias = 0.5;
    double m = 0;
    double v = 0;

    try (Parallel pool = new Parallel(1)) {
      for (int t = 1; t <= 2; t++) {
        w.grad()[0] = (float) grads[t - 1];
        bias.grad()[0] = (float) grads[t - 1];
        adam.step(lr, pool);
        // torch.optim.AdamW: decay, moments, bias correction, step
        p *= 1 - lr * wd;
        m = b1 * m + (1 - b1) * grads[t - 1];
        v = b2 * v + (1 - b2) * grads[t - 1] * grads[t - 1];
        double mHat = m / (1 - Math.pow(b1, t));
        double vHat = v / (1 - Math.pow(b2, t));
        p -= lr * mHat / (Math.sqrt(vHat) + eps);
        pBias -= lr * mHat / (Math.sqrt(vHat) + eps);
      }
    }

    assertThat((double) w.value()[0]).isCloseTo(p, within(1e-6));
    // biases and norms are not decayed
    assertThat((double) bias.value()[0]).isCloseTo(pBias, within(1e-6));
    assertThat(adam.stepCount()).isEqualTo(2);
  }

  @Test
  void adamWGivesTheSameBitsWhateverTheThreadCount() {
    float[][] results = new float[2][];
    int[] threads = {1, 3};
    for (int run = 0; run < 2; run++) {
      java.util.Random r = new java.util.Random(5);
      float[] values =
          new float[1003]; // not a multiple of the vector length: tails on every thread
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) r.nextGaussian();
      }
      Parameter p = new Parameter("w", values, 17, 59);
      p.setTrainable(true);
      AdamW adam = new AdamW(List.of(p), 0.9, 0.95, 1e-8, 0.1);
      try (Parallel pool = new Parallel(threads[run])) {
        for (int step = 0; step < 3; step++) {
          for (int i = 0; i < values.length; i++) {
            p.grad()[i] = (float) r.nextGaussian();
          }
          adam.step(1e-2, pool);
        }
      }
      results[run] = p.value();
    }

    assertThat(results[1]).containsExactly(results[0]);
  }

  @Test
  void schedulesWarmUpLinearlyThenHoldOrDecayToZero() {
    LrSchedule cosine = new LrSchedule(LrSchedule.Kind.COSINE, 1.0, 4, 14);
    LrSchedule linear = new LrSchedule(LrSchedule.Kind.LINEAR, 1.0, 4, 14);
    LrSchedule constant = LrSchedule.withWarmupRatio(LrSchedule.Kind.CONSTANT, 1.0, 0.25, 16);

    // transformers' schedules: step / warmup during warmup, so step 0 runs at zero
    assertThat(cosine.at(0)).isEqualTo(0.0);
    assertThat(cosine.at(3)).isEqualTo(0.75);
    assertThat(cosine.at(4)).isEqualTo(1.0);
    assertThat(cosine.at(9)).isCloseTo(0.5, within(1e-12));
    assertThat(cosine.at(14)).isCloseTo(0.0, within(1e-12));
    assertThat(linear.at(9)).isCloseTo(0.5, within(1e-12));
    assertThat(constant.warmupSteps()).isEqualTo(4);
    assertThat(constant.at(15)).isEqualTo(1.0);
  }

  @Test
  void clippingScalesAllGradientsToTheMaximumGlobalNorm() {
    Parameter a = new Parameter("a", new float[2], 2);
    Parameter b = new Parameter("b", new float[1], 1);
    a.setTrainable(true);
    b.setTrainable(true);
    a.grad()[0] = 3;
    a.grad()[1] = 0;
    b.grad()[0] = 4;

    double norm = GradientClipping.clip(List.of(a, b), 1.0);

    assertThat(norm).isCloseTo(5.0, within(1e-6));
    assertThat(GradientClipping.globalNorm(List.of(a, b))).isCloseTo(1.0, within(1e-5));
    assertThat(a.grad()[0] / b.grad()[0]).isCloseTo(0.75f, within(1e-6f));
  }

  @Test
  void theConfigRejectsUnknownKeysSoATypoNeverFallsBackToADefault() throws Exception {
    ObjectMapper json = new ObjectMapper();

    assertThatThrownBy(
            () ->
                TrainingConfig.parse(
                    json.readTree("{\"hyperparameters\":{\"learningrate\":0.1}}"), false))
        .hasMessageContaining("unknown training config key 'hyperparameters.learningrate'");
    TrainingConfig lora =
        TrainingConfig.parse(
            json.readTree(
                "{\"method\":{\"type\":\"lora\",\"lora\":{\"rank\":4}},"
                    + "\"hyperparameters\":{\"epochs\":2,\"learningRate\":1e-3,\"lrScheduler\":\"cosine\"}}"),
            true);
    assertThat(lora.lora().rank()).isEqualTo(4);
    assertThat(lora.lora().alpha()).isEqualTo(8.0);
    assertThat(lora.lora().targetModules()).containsExactly("c_attn", "c_proj", "c_fc");
    assertThat(lora.lrScheduler()).isEqualTo(LrSchedule.Kind.COSINE);
  }
}
