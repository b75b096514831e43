package dev.modelforge.engine.generate;

import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * The log-probability of each prompt token given the tokens before it (vLLM's prompt logprobs, what
 * {@code echo} with {@code logprobs} reports): the prompt in chunks with every row's logits kept.
 * The first token has no score. One caller at a time (the serving engine's thread).
 */
public final class PromptScorer {

  /** A prompt token's score: null logprob and alternatives for the first token. */
  public record Score(int id, Float logprob, List<GeneratedToken.TokenLogprob> top) {}

  /** Rows of logits per chunk: [16, V] floats kept, not [T, V]. */
  private static final int CHUNK = 16;

  private final DecoderModel model;
  private final InferenceState state;

  public PromptScorer(DecoderModel model, Parallel pool) {
    this.model = model;
    this.state = model.newScoringState(CHUNK, pool);
  }

  /** Scores of {@code prompt}'s tokens, with the {@code top} likeliest alternatives at each. */
  public List<Score> score(int[] prompt, int top) {
    int vocab = model.config().vocabSize();
    if (prompt.length == 0 || prompt.length > model.maxPositions()) {
      throw new IllegalArgumentException(
          "a prompt to score needs 1 to " + model.maxPositions() + " tokens, got " + prompt.length);
    }
    List<Score> out = new ArrayList<>(prompt.length);
    out.add(new Score(prompt[0], null, List.of()));
    KvCache cache = model.newCache(prompt.length);
    // row t of a chunk predicts token (from + t + 1); the last token predicts nothing asked for
    for (int from = 0; from < prompt.length - 1; from += CHUNK) {
      int n = Math.min(CHUNK, prompt.length - from);
      float[] logits = model.forward(state, cache, prompt, from, n, from, true);
      for (int t = 0; t < n && from + t + 1 < prompt.length; t++) {
        int next = prompt[from + t + 1];
        double lse = Logprobs.logSumExp(logits, t * vocab, vocab);
        out.add(
            new Score(
                next,
                (float) (logits[t * vocab + next] - lse),
                top > 0 ? Logprobs.top(logits, t * vocab, vocab, top, lse) : List.of()));
      }
    }
    return out;
  }
}
