package dev.modelforge.engine.generate;

import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.tensor.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The log-probability of each prompt token given the tokens before it (vLLM's prompt logprobs, what
 * {@code echo} with {@code logprobs} reports): the prompt in chunks with every row's logits kept.
 * The first token has no score. Each method takes the LoRA adapter the request runs through (null:
 * the base model), so a prompt sent to an adapter is scored by it. One caller at a time (the
 * serving engine's thread).
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
  public List<Score> score(int[] prompt, int top, LoraAdapter adapter) {
    int vocab = model.config().vocabSize();
    List<Score> out = new ArrayList<>(prompt.length);
    out.add(new Score(prompt.length == 0 ? -1 : prompt[0], null, List.of()));
    // row t predicts token t + 1; the last token predicts nothing asked for
    forEachRow(
        prompt,
        prompt.length - 1,
        adapter,
        (t, logits, offset, lse) -> {
          int next = prompt[t + 1];
          out.add(
              new Score(
                  next,
                  (float) (logits[offset + next] - lse),
                  top > 0 ? Logprobs.top(logits, offset, vocab, top, lse) : List.of()));
        });
    return out;
  }

  /**
   * The whole next-token distribution after every prefix of {@code prompt}, as log-probabilities:
   * row t of the [T, V] result (row-major) follows tokens 0..t. What a reference's {@code
   * log_softmax(logits)} gives, for comparing the two position by position.
   */
  public float[] logprobRows(int[] prompt, LoraAdapter adapter) {
    int vocab = model.config().vocabSize();
    float[] rows = new float[prompt.length * vocab];
    forEachRow(
        prompt,
        prompt.length,
        adapter,
        (t, logits, offset, lse) -> {
          for (int v = 0; v < vocab; v++) {
            rows[t * vocab + v] = (float) (logits[offset + v] - lse);
          }
        });
    return rows;
  }

  /**
   * The distribution sampling with {@code params} would draw from after every prefix of {@code
   * prompt}: row t of the [T, V] result holds probabilities (0 for filtered tokens) after the
   * repetition penalty over tokens 0..t (the prefix counts as the prompt; presence and frequency
   * penalties count output tokens, so none apply), logit bias, and the filters: {@link
   * TokenEmitter}'s own adjustment of each row, then the sampler's filters. Greedy parameters give
   * one-hot rows. What a reference's logits processors and warpers followed by softmax give.
   */
  public float[] samplingRows(int[] prompt, SamplingParams params, LoraAdapter adapter) {
    int vocab = model.config().vocabSize();
    float[] rows = new float[prompt.length * vocab];
    int[] row = new int[1];
    Sampler capture =
        (filtered, n) -> {
          double max = Double.NEGATIVE_INFINITY;
          for (int v = 0; v < n; v++) {
            max = Math.max(max, filtered[v]);
          }
          double sum = 0;
          for (int v = 0; v < n; v++) {
            sum += Math.exp(filtered[v] - max);
          }
          for (int v = 0; v < n; v++) {
            rows[row[0] * vocab + v] = (float) (Math.exp(filtered[v] - max) / sum);
          }
          return 0;
        };
    Sampler sampler = params.isGreedy() ? null : params.filters(vocab, capture);
    forEachRow(
        prompt,
        prompt.length,
        adapter,
        (t, logits, offset, lse) -> {
          // the emitter a request with this prefix as its prompt would sample through
          var emitter =
              new TokenEmitter(params, vocab, Arrays.copyOf(prompt, t + 1), Set.of(), null, null);
          float[] work = emitter.adjust(logits, offset, vocab);
          row[0] = t;
          if (sampler == null) {
            rows[t * vocab + Sampler.argmax(work, vocab)] = 1;
          } else {
            sampler.sample(work, vocab);
          }
        });
    return rows;
  }

  private interface RowVisitor {
    void row(int position, float[] logits, int offset, double logSumExp);
  }

  /** The prompt in chunks; {@code rows} rows from the first are visited, in order. */
  private void forEachRow(int[] prompt, int rows, LoraAdapter adapter, RowVisitor visitor) {
    int vocab = model.config().vocabSize();
    if (prompt.length == 0 || prompt.length > model.maxPositions()) {
      throw new IllegalArgumentException(
          "a prompt to score needs 1 to " + model.maxPositions() + " tokens, got " + prompt.length);
    }
    KvCache cache = model.newCache(prompt.length);
    for (int from = 0; from < rows; from += CHUNK) {
      int n = Math.min(CHUNK, prompt.length - from);
      float[] logits = model.forward(state, cache, prompt, from, n, from, true, adapter);
      for (int t = 0; t < n && from + t < rows; t++) {
        visitor.row(from + t, logits, t * vocab, Logprobs.logSumExp(logits, t * vocab, vocab));
      }
    }
  }
}
