package dev.modelforge.runtime.serve;

import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.generate.SamplingParams;

/**
 * A parsed completion or chat request.
 *
 * @param promptIds the prompt as token ids
 * @param params sampling for choice 0 (further choices get seed + i)
 * @param n choices to return
 * @param bestOf choices to generate, of which the n with the highest cumulative logprob return
 * @param stream send Server-Sent Events
 * @param includeUsage add a usage chunk at the end of a stream
 * @param logprobs report logprobs
 * @param echo completions only: prefix the prompt to the text
 * @param promptText the prompt as text (for echo)
 * @param constraint the grammar every choice's output follows, or null for free text
 * @param tools chat only: the tools offered, whose calls are parsed out of the answer; or null
 * @param beam vLLM's use_beam_search: n beams instead of n samples; or null
 */
record GenerationSpec(
    int[] promptIds,
    SamplingParams params,
    int n,
    int bestOf,
    boolean stream,
    boolean includeUsage,
    boolean logprobs,
    boolean echo,
    String promptText,
    OutputConstraint constraint,
    ToolCalls tools,
    Beam beam) {

  /** Beam search's settings, as Hugging Face and vLLM name them. */
  record Beam(double lengthPenalty, boolean earlyStopping) {}

  /** This spec offering {@code offered}, under {@code forced} when the calls are required. */
  GenerationSpec withTools(ToolCalls offered, OutputConstraint forced) {
    return new GenerationSpec(
        promptIds,
        params,
        n,
        bestOf,
        stream,
        includeUsage,
        logprobs,
        echo,
        promptText,
        forced != null ? forced : constraint,
        offered,
        beam);
  }

  SamplingParams paramsForChoice(int i) {
    if (i == 0 || params.seed() == null) {
      return params;
    }
    return params.withSeed(params.seed() + i);
  }
}
