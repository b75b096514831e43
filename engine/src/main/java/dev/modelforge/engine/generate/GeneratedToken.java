package dev.modelforge.engine.generate;

import java.util.List;

/**
 * One generated token.
 *
 * @param id the token id
 * @param text the text this token adds to the output (may be empty while a UTF-8 sequence or a
 *     possible stop string is held back)
 * @param logprob natural-log probability under the raw logits at temperature 1
 * @param topLogprobs the most likely alternatives at this step, best first
 */
public record GeneratedToken(int id, String text, float logprob, List<TokenLogprob> topLogprobs) {

  /** A candidate token and its log-probability. */
  public record TokenLogprob(int id, float logprob) {}
}
