package dev.modelforge.engine.generate;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What to generate and how, with the names and defaults of the OpenAI / vLLM request fields.
 *
 * @param maxTokens tokens to generate at most
 * @param temperature 0 means greedy
 * @param topK 0 or less disables
 * @param topP 1 disables
 * @param minP 0 disables
 * @param repetitionPenalty 1 disables; divides positive and multiplies negative logits of seen
 *     tokens (prompt and output), as in Hugging Face and vLLM
 * @param presencePenalty subtracted once from the logit of every token already generated
 * @param frequencyPenalty subtracted per occurrence of a token already generated
 * @param seed null for a random seed
 * @param stopTokenIds ids that end generation (the model's EOS ids are added by the caller)
 * @param stopStrings texts that end generation; the text is cut before them
 * @param topLogprobs alternatives to report per token, 0 for none
 * @param ignoreEos keep going past EOS (benchmarks)
 * @param logitBias token id to a bias added to its logit, in [-100, 100]
 * @param includeStopStrInOutput keep the stop string that ended the output in its text
 */
public record SamplingParams(
    int maxTokens,
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    double presencePenalty,
    double frequencyPenalty,
    Long seed,
    List<Integer> stopTokenIds,
    List<String> stopStrings,
    int topLogprobs,
    boolean ignoreEos,
    Map<Integer, Float> logitBias,
    boolean includeStopStrInOutput) {

  public SamplingParams {
    if (maxTokens < 0) {
      throw new IllegalArgumentException("max_tokens must be >= 0, got " + maxTokens);
    }
    if (temperature < 0 || Double.isNaN(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
    if (!(minP >= 0 && minP <= 1)) {
      throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
    }
    if (!(repetitionPenalty > 0)) {
      throw new IllegalArgumentException(
          "repetition_penalty must be > 0, got " + repetitionPenalty);
    }
    if (presencePenalty < -2 || presencePenalty > 2) {
      throw new IllegalArgumentException(
          "presence_penalty must be in [-2, 2], got " + presencePenalty);
    }
    if (frequencyPenalty < -2 || frequencyPenalty > 2) {
      throw new IllegalArgumentException(
          "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
    }
    if (topLogprobs < 0 || topLogprobs > 20) {
      throw new IllegalArgumentException("top_logprobs must be in [0, 20], got " + topLogprobs);
    }
    logitBias = Map.copyOf(logitBias);
    for (var bias : logitBias.entrySet()) {
      if (bias.getKey() < 0) {
        throw new IllegalArgumentException("logit_bias: token id " + bias.getKey() + " < 0");
      }
      float b = bias.getValue();
      if (!(b >= -100 && b <= 100)) {
        throw new IllegalArgumentException(
            "logit_bias: the bias of token " + bias.getKey() + " must be in [-100, 100], got " + b);
      }
    }
    stopTokenIds = List.copyOf(stopTokenIds);
    stopStrings = List.copyOf(stopStrings);
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("stop strings must not be empty");
      }
    }
  }

  /**
   * The ids that end a sequence: the model's end tokens {@code eosIds} and the request's stop token
   * ids, in order ({@link #ignoreEos} is the caller's to apply).
   */
  public java.util.SortedSet<Integer> endIds(java.util.Collection<Integer> eosIds) {
    java.util.SortedSet<Integer> ends = new java.util.TreeSet<>(eosIds);
    ends.addAll(stopTokenIds);
    return ends;
  }

  public static SamplingParams greedy(int maxTokens) {
    return new SamplingParams(
        maxTokens, 0, 0, 1, 0, 1, 0, 0, null, List.of(), List.of(), 0, false, Map.of(), false);
  }

  public boolean isGreedy() {
    return temperature == 0;
  }

  public SamplingParams withMaxTokens(int n) {
    return copy(n, seed);
  }

  public SamplingParams withSeed(Long newSeed) {
    return copy(maxTokens, newSeed);
  }

  private SamplingParams copy(int newMaxTokens, Long newSeed) {
    return new SamplingParams(
        newMaxTokens,
        temperature,
        topK,
        topP,
        minP,
        repetitionPenalty,
        presencePenalty,
        frequencyPenalty,
        newSeed,
        stopTokenIds,
        stopStrings,
        topLogprobs,
        ignoreEos,
        logitBias,
        includeStopStrInOutput);
  }

  /** The sampler chain these parameters describe. */
  public Sampler sampler(int vocab) {
    if (isGreedy()) {
      return Sampler.GREEDY;
    }
    return filters(vocab, new CategoricalSampler(seed == null ? new Random() : new Random(seed)));
  }

  /**
   * The filters these parameters describe (temperature, top-k, top-p, min-p, in that order),
   * handing the filtered logits to {@code draw}; for sampling only (not {@link #isGreedy()}).
   */
  public Sampler filters(int vocab, Sampler draw) {
    Sampler s = draw;
    if (minP > 0) {
      s = Filters.minP(minP, s);
    }
    if (topP < 1) {
      s = Filters.topP(topP, vocab, s);
    }
    if (topK > 0) {
      s = Filters.topK(topK, vocab, s);
    }
    return Filters.temperature(temperature, s);
  }
}
