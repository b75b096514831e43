package dev.modelforge.engine.grammar;

/** A grammar, JSON schema or regex that cannot be compiled; the message names what and where. */
public final class GrammarException extends IllegalArgumentException {

  public GrammarException(String message) {
    super(message);
  }
}
