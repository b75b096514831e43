package dev.modelforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {

  private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f};

  private static double[] softmax(float[] logits, double temperature) {
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] / temperature);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private static int[] histogram(Sampler sampler, int draws) {
    int[] counts = new int[LOGITS.length];
    for (int i = 0; i < draws; i++) {
      counts[sampler.sample(LOGITS.clone(), LOGITS.length)]++;
    }
    return counts;
  }

  /** Pearson's chi-square statistic of observed counts against expected probabilities. */
  private static double chiSquare(int[] counts, double[] p, int draws) {
    double chi = 0;
    for (int i = 0; i < counts.length; i++) {
      if (p[i] > 0) {
        double e = p[i] * draws;
        chi += (counts[i] - e) * (counts[i] - e) / e;
      }
    }
    return chi;
  }

  @Test
  void categoricalSamplingFollowsTheSoftmaxDistribution() {
    int draws = 200_000;
    int[] counts = histogram(new CategoricalSampler(new Random(1)), draws);

    // 5 degrees of freedom: P(chi2 > 20.5) = 0.001
    assertThat(chiSquare(counts, softmax(LOGITS, 1), draws)).isLessThan(20.5);
  }

  @Test
  void temperatureSharpensTheDistribution() {
    int draws = 200_000;
    Sampler s = Filters.temperature(0.5, new CategoricalSampler(new Random(2)));

    int[] counts = histogram(s, draws);

    assertThat(chiSquare(counts, softmax(LOGITS, 0.5), draws)).isLessThan(20.5);
  }

  @Test
  void topKNeverDrawsOutsideTheKBest() {
    Sampler s = Filters.topK(2, LOGITS.length, new CategoricalSampler(new Random(3)));

    int[] counts = histogram(s, 20_000);

    assertThat(counts[0] + counts[1]).isEqualTo(20_000);
    double expectedShare = Math.exp(2) / (Math.exp(2) + Math.exp(1));
    assertThat(counts[0] / 20_000.0)
        .isCloseTo(expectedShare, org.assertj.core.data.Offset.offset(0.02));
  }

  @Test
  void topPKeepsTheSmallestSetReachingP() {
    double[] p = softmax(LOGITS, 1); // 0.574, 0.211, 0.128, 0.078, ...
    Sampler s = Filters.topP(0.8, LOGITS.length, new CategoricalSampler(new Random(4)));

    int[] counts = histogram(s, 20_000);

    // 0.574 + 0.211 = 0.785 < 0.8, so the third token is needed and kept; the rest never drawn
    assertThat(counts[3] + counts[4] + counts[5]).isZero();
    assertThat(counts[2]).isGreaterThan(0);
    assertThat(p[0] + p[1]).isLessThan(0.8);
  }

  @Test
  void minPDropsTokensFarBelowTheBest() {
    Sampler s = Filters.minP(0.2, new CategoricalSampler(new Random(5)));

    int[] counts = histogram(s, 20_000);

    // e^(x - 2) >= 0.2  <=>  x >= 2 + ln 0.2 = 0.39: tokens 0, 1, 2 survive
    assertThat(counts[3] + counts[4] + counts[5]).isZero();
    assertThat(counts[2]).isGreaterThan(0);
  }

  @Test
  void theSameSeedGivesTheSameDraws() {
    SamplingParams p =
        new SamplingParams(
            10, 0.9, 0, 0.95, 0, 1, 0, 0, 42L, List.of(), List.of(), 0, false, Map.of(), false);

    int[] a = new int[50];
    int[] b = new int[50];
    Sampler s1 = p.sampler(LOGITS.length);
    Sampler s2 = p.sampler(LOGITS.length);
    for (int i = 0; i < 50; i++) {
      a[i] = s1.sample(LOGITS.clone(), LOGITS.length);
      b[i] = s2.sample(LOGITS.clone(), LOGITS.length);
    }

    assertThat(a).isEqualTo(b);
  }

  @Test
  void greedyTakesTheLowestIdOnTies() {
    assertThat(Sampler.GREEDY.sample(new float[] {1, 3, 3, 0}, 4)).isEqualTo(1);
  }

  @Test
  void penaltiesFollowVllmDefinitions() {
    SamplingParams p =
        new SamplingParams(
            10, 0, 0, 1, 0, 2.0, 0.5, 0.25, null, List.of(), List.of(), 0, false, Map.of(), false);
    TokenPenalties penalties = new TokenPenalties(p, 4, new int[] {0});
    penalties.record(1);
    penalties.record(1);
    penalties.record(2);
    float[] logits = {4f, 4f, -4f, 4f};

    penalties.apply(logits, 4);

    assertThat(logits[0]).isEqualTo(2f); // prompt token: repetition only, 4 / 2
    assertThat(logits[1]).isEqualTo(4f / 2 - 0.5f - 0.25f * 2); // output twice
    assertThat(logits[2]).isEqualTo(-4f * 2 - 0.5f - 0.25f); // negative logit multiplied
    assertThat(logits[3]).isEqualTo(4f); // unseen
  }

  @Test
  void outOfRangeParametersAreRejectedWithTheirName() {
    assertThatThrownBy(
            () ->
                new SamplingParams(
                    10, 1, 0, 1.5, 0, 1, 0, 0, null, List.of(), List.of(), 0, false, Map.of(),
                    false))
        .hasMessageContaining("top_p");
    assertThatThrownBy(
            () ->
                new SamplingParams(
                    10, -1, 0, 1, 0, 1, 0, 0, null, List.of(), List.of(), 0, false, Map.of(),
                    false))
        .hasMessageContaining("temperature");
  }
}
