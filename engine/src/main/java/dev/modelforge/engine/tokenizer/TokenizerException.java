package dev.modelforge.engine.tokenizer;

/**
 * A tokenizer that cannot be loaded or used: a missing, corrupt or unsupported tokenizer.json. The
 * message names the file and what is wrong with it.
 */
public final class TokenizerException extends RuntimeException {

  public TokenizerException(String message) {
    super(message);
  }

  public TokenizerException(String message, Throwable cause) {
    super(message, cause);
  }
}
