package dev.modelforge.engine.generate;

import java.util.Locale;

/** Why generation ended, with the OpenAI API's names. */
public enum FinishReason {
  /** An end-of-sequence id, a stop id or a stop string. */
  STOP,
  /** max_tokens reached, or the context is full. */
  LENGTH,
  /** The caller cancelled (client went away). */
  ABORT;

  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
