package dev.modelforge.runtime.serve;

import dev.modelforge.engine.generate.SamplingParams;

/**
 * A parsed completion or chat request.
 *
 * @param promptIds the prompt as token ids
 * @param params sampling for choice 0 (further choices get seed + i)
 * @param n choices to generate
 * @param stream send Server-Sent Events
 * @param includeUsage add a usage chunk at the end of a stream
 * @param logprobs report logprobs
 * @param echo completions only: prefix the prompt to the text
 * @param promptText the prompt as text (for echo)
 */
record GenerationSpec(
    int[] promptIds,
    SamplingParams params,
    int n,
    boolean stream,
    boolean includeUsage,
    boolean logprobs,
    boolean echo,
    String promptText) {

  SamplingParams paramsForChoice(int i) {
    if (i == 0 || params.seed() == null) {
      return params;
    }
    return params.withSeed(params.seed() + i);
  }
}
