package dev.modelforge.runtime.fetch;

/** A fetch that cannot go on; the message names the source or file and what is wrong. */
public final class FetchException extends RuntimeException {
  public FetchException(String message) {
    super(message);
  }

  public FetchException(String message, Throwable cause) {
    super(message, cause);
  }
}
