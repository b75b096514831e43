package dev.modelforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BeamSearchTest {

  @TempDir Path dir;

  private static final int VOCAB = 5;
  private static final int EOS = 4;
  private static final int MAX_TOKENS = 3;

  /** Best score over every sequence of up to MAX_TOKENS tokens, ended by EOS or by the limit. */
  private static double exhaustiveBest(
      DecoderModel model, Parallel pool, int[] prompt, double lengthPenalty, int[][] bestOut) {
    double[] best = {Double.NEGATIVE_INFINITY};
    explore(model, pool, prompt, new int[0], 0, lengthPenalty, best, bestOut);
    return best[0];
  }

  private static void explore(
      DecoderModel model,
      Parallel pool,
      int[] prompt,
      int[] generated,
      double sum,
      double lp,
      double[] best,
      int[][] bestOut) {
    int[] seq = Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, seq, prompt.length, generated.length);
    float[] logits =
        model.forward(
            model.newState(seq.length, pool),
            model.newCache(seq.length),
            seq,
            0,
            seq.length,
            0,
            false);
    double lse = Logprobs.logSumExp(logits, VOCAB);
    for (int t = 0; t < VOCAB; t++) {
      double s = sum + logits[t] - lse;
      int[] next = Arrays.copyOf(generated, generated.length + 1);
      next[generated.length] = t;
      if (t == EOS || next.length == MAX_TOKENS) {
        int len = t == EOS ? generated.length : next.length;
        double score = s / Math.pow(Math.max(1, len), lp);
        if (score > best[0]) {
          best[0] = score;
          bestOut[0] = t == EOS ? generated : next;
        }
      } else {
        explore(model, pool, prompt, next, s, lp, best, bestOut);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0, 2.0})
  void withEnoughBeamsBeamSearchFindsTheExhaustiveOptimum(double lengthPenalty) {
    ModelConfig config =
        new ModelConfig(
            Architecture.LLAMA,
            32,
            1,
            2,
            2,
            16,
            64,
            VOCAB,
            16,
            1e-5f,
            new RopeConfig(10000, "default", 1, 1, 1, 0),
            false,
            false,
            "f32");
    TestModels.write(dir, config, DType.F32, 13);
    try (Parallel pool = new Parallel(1);
        LoadedModel loaded = LoadedModel.open(dir, null)) {
      int[] prompt = {1, 2};
      int[][] bestTokens = new int[1][];
      double best = exhaustiveBest(loaded.model(), pool, prompt, lengthPenalty, bestTokens);

      List<BeamSearch.Hypothesis> hyps =
          new BeamSearch(loaded.model(), pool)
              .search(prompt, 125, MAX_TOKENS, lengthPenalty, false, Set.of(EOS));

      assertThat(hyps.getFirst().score())
          .isCloseTo(best, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(hyps.getFirst().tokens()).containsExactly(bestTokens[0]);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void oneBeamIsGreedyAndMoreBeamsNeverScoreWorse(int beams) {
    ModelConfig config = TestModels.config("llama-gqa");
    TestModels.write(dir, config, DType.F32, 17);
    try (Parallel pool = new Parallel(2);
        LoadedModel loaded = LoadedModel.open(dir, null)) {
      int[] prompt = {3, 9, 27};
      BeamSearch search = new BeamSearch(loaded.model(), pool);
      double greedyScore = search.search(prompt, 1, 6, 0, false, Set.of()).getFirst().sumLogprobs();
      BeamSearch.Hypothesis best = search.search(prompt, beams, 6, 0, false, Set.of()).getFirst();

      assertThat(best.sumLogprobs()).isGreaterThanOrEqualTo(greedyScore - 1e-9);
      if (beams == 1) {
        int[] greedy =
            new Generator(loaded.model(), pool)
                .generate(prompt, SamplingParams.greedy(6), Set.of(), null, null)
                .tokenIds();
        assertThat(best.tokens()).containsExactly(greedy);
      }
    }
  }
}
