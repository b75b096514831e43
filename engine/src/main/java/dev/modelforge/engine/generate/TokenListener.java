package dev.modelforge.engine.generate;

/** Receives tokens as they are generated; return false to cancel generation. */
@FunctionalInterface
public interface TokenListener {
  boolean onToken(GeneratedToken token);

  /** Text released after the last token (held back for a stop string or unfinished UTF-8). */
  default void onTrailingText(String text) {}
}
