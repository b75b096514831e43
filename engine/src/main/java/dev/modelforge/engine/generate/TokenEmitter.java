package dev.modelforge.engine.generate;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-token rules shared by single-sequence generation and the batching scheduler: penalties
 * and logit bias before sampling (OpenAI's: added to the logits), logprobs from the raw logits,
 * stop ids, stop strings and the text released to the client, and the output constraint's token
 * mask (a grammar: the end tokens allowed only where the output is complete). One instance per
 * sequence.
 */
public final class TokenEmitter {

  /**
   * The outcome of one step.
   *
   * @param token the emitted token, or null when a stop id or EOS ended the sequence
   * @param finish why the sequence ended with this step, or null while it goes on
   */
  public record Step(GeneratedToken token, FinishReason finish) {}

  private final SamplingParams params;
  private final Sampler sampler;
  private final Set<Integer> eosIds;
  private final TextStream text;
  private final TokenPenalties penalties;
  private final StopText stops;
  private final float[] work;
  private final int[] biasIds;
  private final float[] biasValues;
  private final OutputConstraint.Matcher matcher;
  private final int[] endIds;
  private final float[] endLogits;
  private int generated;
  private Integer stopTokenId;

  /**
   * @param constraint the grammar the output must follow, or null for free text
   */
  public TokenEmitter(
      SamplingParams params,
      int vocab,
      int[] prompt,
      Set<Integer> eosIds,
      TextStream text,
      OutputConstraint constraint) {
    if (!params.stopStrings().isEmpty() && text == null) {
      throw new IllegalArgumentException("stop strings need a tokenizer to decode the output");
    }
    this.params = params;
    this.sampler = params.sampler(vocab);
    this.eosIds = eosIds;
    this.text = text;
    this.penalties = new TokenPenalties(params, vocab, prompt);
    this.stops = new StopText(params.stopStrings(), params.includeStopStrInOutput());
    this.work = new float[vocab];
    // the per-token loop reads arrays, not the map: no boxing or iterator per sampled token
    var bias = params.logitBias().entrySet().stream().filter(e -> e.getKey() < vocab).toList();
    this.biasIds = bias.stream().mapToInt(Map.Entry::getKey).toArray();
    this.biasValues = new float[bias.size()];
    for (int i = 0; i < biasValues.length; i++) {
      biasValues[i] = bias.get(i).getValue();
    }
    this.matcher = constraint == null ? null : constraint.newMatcher();
    this.endIds =
        params.endIds(eosIds).stream()
            .mapToInt(Integer::intValue)
            .filter(id -> id < vocab)
            .toArray();
    this.endLogits = new float[endIds.length];
  }

  /**
   * The logits the sampler draws from, in a buffer this emitter reuses: {@code logits[off .. off +
   * vocab)} after the penalties and the logit bias.
   */
  float[] adjust(float[] logits, int off, int vocab) {
    System.arraycopy(logits, off, work, 0, vocab);
    if (penalties.active()) {
      penalties.apply(work, vocab);
    }
    for (int i = 0; i < biasIds.length; i++) {
      work[biasIds[i]] += biasValues[i];
    }
    return work;
  }

  public int generated() {
    return generated;
  }

  /**
   * Samples the next token from {@code logits[off .. off + vocab)}.
   *
   * @param contextLeft positions still free in the model's context after this token
   */
  public Step next(float[] logits, int off, int vocab, int contextLeft) {
    adjust(logits, off, vocab);
    if (matcher != null && !constrain(vocab)) {
      return new Step(null, FinishReason.STOP); // no token can continue the grammar here
    }
    int token = sampler.sample(work, vocab);
    if (!params.ignoreEos() && (eosIds.contains(token) || params.stopTokenIds().contains(token))) {
      if (!eosIds.contains(token)) {
        stopTokenId = token;
      }
      return new Step(null, FinishReason.STOP);
    }
    double lse = Logprobs.logSumExp(logits, off, vocab);
    List<GeneratedToken.TokenLogprob> top =
        params.topLogprobs() > 0
            ? Logprobs.top(logits, off, vocab, params.topLogprobs(), lse)
            : List.of();
    String piece = "";
    if (text != null) {
      stops.append(text.accept(token));
      piece = stops.release(stops.stopped());
    }
    penalties.record(token);
    if (matcher != null) {
      matcher.accept(token);
    }
    generated++;
    GeneratedToken out = new GeneratedToken(token, piece, (float) (logits[off + token] - lse), top);
    if (stops.stopped() || (matcher != null && matcher.isComplete())) {
      return new Step(out, FinishReason.STOP);
    }
    if (generated >= params.maxTokens() || contextLeft <= 0) {
      return new Step(out, FinishReason.LENGTH);
    }
    return new Step(out, null);
  }

  /**
   * Masks {@code work} to what the constraint allows next; an end token keeps its logit only where
   * the output is complete (never with ignore_eos, which would emit it as text). False when nothing
   * is allowed at all.
   */
  private boolean constrain(int vocab) {
    for (int k = 0; k < endIds.length; k++) {
      endLogits[k] = work[endIds[k]];
    }
    int allowed = matcher.mask(work, vocab);
    boolean mayEnd = matcher.canEnd() && !params.ignoreEos();
    for (int k = 0; k < endIds.length; k++) {
      work[endIds[k]] = mayEnd ? endLogits[k] : Float.NEGATIVE_INFINITY;
    }
    return allowed > 0 || mayEnd;
  }

  /**
   * At the end of a sequence: the text still held back (for a possible stop string or an unfinished
   * UTF-8 sequence), now released; empty when there is none.
   */
  public String finishText() {
    if (text == null || stops.stopped()) {
      return "";
    }
    stops.append(text.flush());
    return stops.release(true);
  }

  /**
   * What ended the output, as vLLM's {@code stop_reason} reports it: the stop string, or the id
   * from stop_token_ids; null for an end-of-sequence token, a complete grammar, or no stop.
   */
  public Object stopReason() {
    return stops.matched() != null ? stops.matched() : stopTokenId;
  }

  /** The whole output text so far, cut before a stop string. */
  public String text() {
    return stops.text();
  }
}
