package dev.modelforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** OpenAI's logit_bias: added to the logits before sampling; logprobs stay the model's own. */
class LogitBiasTest {

  private static SamplingParams greedy(Map<Integer, Float> bias) {
    return new SamplingParams(
        4, 0, 0, 1, 0, 1, 0, 0, null, List.of(), List.of(), 0, false, bias, false);
  }

  @Test
  void theBiasMovesTheArgmaxButNotTheLogprob() {
    float[] logits = {0f, 3f, 1f, 2f};
    var plain = new TokenEmitter(greedy(Map.of()), 4, new int[0], Set.of(), null, null);
    assertThat(plain.next(logits, 0, 4, 10).token().id()).isEqualTo(1);

    var biased =
        new TokenEmitter(greedy(Map.of(2, 2.5f, 1, -100f)), 4, new int[0], Set.of(), null, null);
    GeneratedToken token = biased.next(logits, 0, 4, 10).token();
    assertThat(token.id()).isEqualTo(2);
    assertThat(token.logprob())
        .as("the model's own log-probability of token 2")
        .isEqualTo(
            (float) (1 - Logprobs.logSumExp(logits, 0, 4)),
            org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void biasesOutsideTheRangeAreRefused() {
    assertThatThrownBy(() -> greedy(Map.of(1, 100.5f)))
        .hasMessageContaining("must be in [-100, 100], got 100.5");
    assertThatThrownBy(() -> greedy(Map.of(-1, 1f))).hasMessageContaining("token id -1 < 0");
  }

  @Test
  void perChoiceSeedsKeepTheBias() {
    var params = greedy(Map.of(2, 1f)).withSeed(7L).withMaxTokens(3);
    assertThat(params.logitBias()).containsEntry(2, 1f);
    assertThat(params.seed()).isEqualTo(7L);
  }
}
