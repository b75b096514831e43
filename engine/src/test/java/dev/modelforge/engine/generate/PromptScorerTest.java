package dev.modelforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt logprobs equal what generation reports for the same tokens when it produces them. */
class PromptScorerTest {

  @TempDir Path dir;

  @Test
  void aPromptsScoresAreTheLogprobsGenerationGaveItsTokens() {
    TestModels.write(dir, TestModels.config("qwen2"), DType.F32, 13);
    try (LoadedModel loaded = LoadedModel.open(dir, null);
        Parallel pool = new Parallel(2)) {
      int[] start = {3, 14, 15};
      // greedy generation of 30 tokens (two scorer chunks and a bit), with logprobs and top-3
      var params =
          new SamplingParams(
              30,
              0,
              0,
              1,
              0,
              1,
              0,
              0,
              null,
              java.util.List.of(),
              java.util.List.of(),
              3,
              true,
              java.util.Map.of(),
              false);
      GenerationResult gen =
          new Generator(loaded.model(), pool).generate(start, params, Set.of(), null, null);
      int[] all = new int[start.length + gen.tokens().size()];
      System.arraycopy(start, 0, all, 0, start.length);
      for (int i = 0; i < gen.tokens().size(); i++) {
        all[start.length + i] = gen.tokens().get(i).id();
      }

      var scores = new PromptScorer(loaded.model(), pool).score(all, 3, null);

      assertThat(scores).hasSize(all.length);
      assertThat(scores.getFirst().logprob()).isNull();
      for (int i = 0; i < gen.tokens().size(); i++) {
        GeneratedToken g = gen.tokens().get(i);
        var s = scores.get(start.length + i);
        assertThat(s.id()).isEqualTo(g.id());
        assertThat(s.logprob())
            .as("token %d", i)
            .isCloseTo(g.logprob(), org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(s.top().stream().map(GeneratedToken.TokenLogprob::id).toList())
            .isEqualTo(g.topLogprobs().stream().map(GeneratedToken.TokenLogprob::id).toList());
      }
    }
  }
}
