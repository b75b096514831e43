package dev.modelforge.engine.generate;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param promptIds the prompt as token ids
 * @param tokens generated tokens in order (a stop id that ended generation is not included)
 * @param text the generated text, cut before a stop string, or empty when no text was asked for
 * @param finishReason why generation ended
 */
public record GenerationResult(
    int[] promptIds, List<GeneratedToken> tokens, String text, FinishReason finishReason) {

  public int[] tokenIds() {
    return tokens.stream().mapToInt(GeneratedToken::id).toArray();
  }
}
