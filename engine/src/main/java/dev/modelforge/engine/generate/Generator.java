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
    return generate(prompt, p, eosIds, text, listener, null);
  }

  /** As {@link #generate(int[], SamplingParams, Set, TextStream, TokenListener)}, constrained. */
  public GenerationResult generate(
      int[] prompt,
      SamplingParams p,
      Set<Integer> eosIds,
      TextStream text,
      TokenListener listener,
      OutputConstraint constraint) {
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
    int capacity = Math.min(context, prompt.length + Math.max(1, p.maxTokens()));
    InferenceState state = model.newState(Math.min(PREFILL_CHUNK, prompt.length), pool);
    KvCache cache = model.newCache(capacity);
    TokenEmitter emitter = new TokenEmitter(p, vocab, prompt, eosIds, text, constraint);
    List<GeneratedToken> out = new ArrayList<>();
    int[] one = new int[1];

    float[] logits = model.forward(state, cache, prompt, 0, prompt.length, 0, false);
    int pos = prompt.length;
    FinishReason reason = p.maxTokens() == 0 ? FinishReason.LENGTH : null;
    while (reason == null) {
      TokenEmitter.Step step = emitter.next(logits, 0, vocab, capacity - pos);
      reason = step.finish();
      if (step.token() != null) {
        out.add(step.token());
        if (listener != null && !listener.onToken(step.token())) {
          reason = FinishReason.ABORT;
        }
      }
      if (reason == null) {
        one[0] = step.token().id();
        logits = model.forward(state, cache, one, 0, 1, pos, false);
        pos++;
      }
    }
    String rest = emitter.finishText();
    if (!rest.isEmpty()) {
      if (!out.isEmpty()) {
        GeneratedToken last = out.removeLast();
        out.add(
            new GeneratedToken(last.id(), last.text() + rest, last.logprob(), last.topLogprobs()));
      }
      if (listener != null) {
        listener.onTrailingText(rest);
      }
    }
    String fullText = text == null ? "" : emitter.text();
    return new GenerationResult(prompt, List.copyOf(out), fullText, reason);
  }
}
