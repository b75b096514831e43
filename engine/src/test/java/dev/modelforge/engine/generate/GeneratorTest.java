package dev.modelforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {

  @TempDir Path dir;
  private Parallel pool;
  private LoadedModel loaded;
  private DecoderModel model;
  private ModelConfig config;

  @BeforeEach
  void load() {
    config = TestModels.config("llama-gqa");
    TestModels.write(dir, config, DType.F32, 3);
    pool = new Parallel(2);
    loaded = LoadedModel.open(dir, null);
    model = loaded.model();
  }

  @AfterEach
  void close() {
    loaded.close();
    pool.close();
  }

  /** A stand-in detokenizer for the tests: token i is the text "<i>" with letters for a few. */
  private static TextStream letters() {
    return new TextStream() {
      @Override
      public String accept(int id) {
        return id < 26 ? String.valueOf((char) ('a' + id)) : "<" + id + ">";
      }

      @Override
      public String flush() {
        return "";
      }
    };
  }

  @Test
  void greedyGenerationPicksTheArgmaxOfAFullRecomputeAtEveryStep() {
    int[] prompt = {5, 17, 42, 8};
    GenerationResult result =
        new Generator(model, pool)
            .generate(prompt, SamplingParams.greedy(12), Set.of(), null, null);

    assertThat(result.tokens()).hasSize(12);
    assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
    int[] seq = Arrays.copyOf(prompt, prompt.length + 12);
    for (int i = 0; i < 12; i++) {
      int len = prompt.length + i;
      float[] logits =
          model.forward(model.newState(len, pool), model.newCache(len), seq, 0, len, 0, false);
      int expected = Sampler.argmax(logits, config.vocabSize());
      assertThat(result.tokens().get(i).id()).as("token %d", i).isEqualTo(expected);
      seq[len] = expected;
    }
  }

  @Test
  void logprobsAreTheLogSoftmaxOfTheRawLogits() {
    int[] prompt = {1, 2, 3};
    SamplingParams p =
        new SamplingParams(
            3, 0.7, 5, 0.9, 0, 1.3, 0, 0, 7L, List.of(), List.of(), 5, false, Map.of(), false);

    GenerationResult result = new Generator(model, pool).generate(prompt, p, Set.of(), null, null);

    float[] logits =
        model.forward(model.newState(3, pool), model.newCache(8), prompt, 0, 3, 0, false).clone();
    double lse = Logprobs.logSumExp(logits, config.vocabSize());
    GeneratedToken first = result.tokens().getFirst();
    assertThat((double) first.logprob())
        .isCloseTo(logits[first.id()] - lse, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(first.topLogprobs()).hasSize(5);
    assertThat(first.topLogprobs().getFirst().id())
        .isEqualTo(Sampler.argmax(logits, config.vocabSize()));
    for (int i = 1; i < 5; i++) {
      assertThat(first.topLogprobs().get(i).logprob())
          .isLessThanOrEqualTo(first.topLogprobs().get(i - 1).logprob());
    }
  }

  @Test
  void anEosIdEndsGenerationWithStopAndIsNotReturned() {
    int[] prompt = {5, 17, 42, 8};
    GenerationResult free =
        new Generator(model, pool).generate(prompt, SamplingParams.greedy(6), Set.of(), null, null);
    int third = free.tokens().get(2).id();

    GenerationResult stopped =
        new Generator(model, pool)
            .generate(prompt, SamplingParams.greedy(6), Set.of(third), null, null);

    assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
    int firstAt = Arrays.stream(free.tokenIds()).boxed().toList().indexOf(third);
    assertThat(stopped.tokenIds()).containsExactly(Arrays.copyOf(free.tokenIds(), firstAt));
  }

  @Test
  void aStopStringCutsTheTextAndIsNeverStreamed() {
    int[] prompt = {5, 17, 42, 8};
    GenerationResult free =
        new Generator(model, pool)
            .generate(prompt, SamplingParams.greedy(8), Set.of(), letters(), null);
    String text = free.text();
    String stop = text.substring(3, 5);
    int cut = text.indexOf(stop);
    SamplingParams p =
        new SamplingParams(
            8, 0, 0, 1, 0, 1, 0, 0, null, List.of(), List.of(stop), 0, false, Map.of(), false);
    List<String> streamed = new ArrayList<>();

    GenerationResult r =
        new Generator(model, pool)
            .generate(prompt, p, Set.of(), letters(), t -> streamed.add(t.text()));

    assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(r.text()).isEqualTo(text.substring(0, cut));
    assertThat(String.join("", streamed)).isEqualTo(text.substring(0, cut));
  }

  @Test
  void aListenerThatReturnsFalseAbortsGeneration() {
    List<Integer> seen = new ArrayList<>();
    GenerationResult r =
        new Generator(model, pool)
            .generate(
                new int[] {1},
                SamplingParams.greedy(20),
                Set.of(),
                null,
                t -> seen.add(t.id()) && seen.size() < 3);

    assertThat(r.finishReason()).isEqualTo(FinishReason.ABORT);
    assertThat(r.tokens()).hasSize(3);
  }

  @Test
  void promptsThatDoNotFitOrUseUnknownIdsAreRejected() {
    Generator g = new Generator(model, pool);
    assertThatThrownBy(
            () -> g.generate(new int[] {1, 500}, SamplingParams.greedy(2), Set.of(), null, null))
        .hasMessageContaining("500")
        .hasMessageContaining("vocabulary");
    assertThatThrownBy(
            () -> g.generate(new int[64], SamplingParams.greedy(2), Set.of(), null, null))
        .hasMessageContaining("context");
  }
}
