package dev.modelforge.engine.generate;

import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Single-sequence generation: prefill the prompt, then sample one token per step until a stop
 * condition. The per-step path reuses the state, the cache and the logits buffers.
 */
public final class Generator {

  /**
   * Tokens per prefill chunk: enough for the batched matmul to pay, small enough to stay in cache.
   */
  public static final int PREFILL_CHUNK = 64;

  private final DecoderModel model;
  private final Parallel pool;

  public Generator(DecoderModel model, Parallel pool) {
    this.model = model;
    this.pool = pool;
  }

  /**
   * Generates from {@code prompt}.
   *
   * @param eosIds ids that end generation unless {@code ignoreEos}
   * @param text turns ids into text; required for stop strings, may be null otherwise
   * @param listener called per token (may be null); returning false aborts
   */
  public GenerationResult generate(
      int[] prompt,
      SamplingParams p,
      Set<Integer> eosIds,
      TextStream text,
      TokenListener listener) {
    int vocab = model.config().vocabSize();
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt is empty; give at least one token");
    }
    for (int id : prompt) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(
            "prompt token id " + id + " is outside the vocabulary of " + vocab);
      }
    }
    int context = model.maxPositions();
    if (prompt.length >= context) {
      throw new IllegalArgumentException(
          "the prompt has " + prompt.length + " tokens but the model's context is " + context);
    }
    if (!p.stopStrings().isEmpty() && text == null) {
      throw new IllegalArgumentException("stop strings need a tokenizer to decode the output");
    }
    int capacity = Math.min(context, prompt.length + Math.max(1, p.maxTokens()));
    InferenceState state = model.newState(Math.min(PREFILL_CHUNK, prompt.length), pool);
    KvCache cache = model.newCache(capacity);
    Sampler sampler = p.sampler(vocab);
    Penalties penalties = new Penalties(p, vocab, prompt);
    StopStrings stops = new StopStrings(p.stopStrings());
    float[] raw = new float[vocab];
    float[] work = new float[vocab];
    List<GeneratedToken> out = new ArrayList<>();
    int[] one = new int[1];

    float[] logits = model.forward(state, cache, prompt, 0, prompt.length, 0, false);
    int pos = prompt.length;
    FinishReason reason = FinishReason.LENGTH;
    while (out.size() < p.maxTokens()) {
      System.arraycopy(logits, 0, raw, 0, vocab);
      System.arraycopy(logits, 0, work, 0, vocab);
      if (penalties.active()) {
        penalties.apply(work, vocab);
      }
      int next = sampler.sample(work, vocab);
      if (!p.ignoreEos() && (eosIds.contains(next) || p.stopTokenIds().contains(next))) {
        reason = FinishReason.STOP;
        break;
      }
      double lse = Logprobs.logSumExp(raw, vocab);
      List<GeneratedToken.TokenLogprob> top =
          p.topLogprobs() > 0 ? Logprobs.top(raw, vocab, p.topLogprobs(), lse) : List.of();
      String piece = "";
      boolean stopped = false;
      if (text != null) {
        stops.append(text.accept(next));
        stopped = stops.stopped();
        piece = stops.release(stopped);
      }
      GeneratedToken token = new GeneratedToken(next, piece, (float) (raw[next] - lse), top);
      out.add(token);
      penalties.record(next);
      if (listener != null && !listener.onToken(token)) {
        reason = FinishReason.ABORT;
        break;
      }
      if (stopped) {
        reason = FinishReason.STOP;
        break;
      }
      if (out.size() >= p.maxTokens() || pos >= capacity) {
        reason = FinishReason.LENGTH;
        break;
      }
      one[0] = next;
      logits = model.forward(state, cache, one, 0, 1, pos, false);
      pos++;
    }
    String fullText = "";
    if (text != null) {
      if (!stops.stopped()) {
        // text held back for a possible stop string, or an unfinished UTF-8 sequence
        stops.append(text.flush());
        String rest = stops.release(true);
        if (!rest.isEmpty()) {
          if (!out.isEmpty()) {
            GeneratedToken last = out.removeLast();
            out.add(
                new GeneratedToken(
                    last.id(), last.text() + rest, last.logprob(), last.topLogprobs()));
          }
          if (listener != null) {
            listener.onTrailingText(rest);
          }
        }
      }
      fullText = stops.text();
    }
    return new GenerationResult(prompt, List.copyOf(out), fullText, reason);
  }
}
