package dev.modelforge.runtime.fetch;

/** A fetch that cannot go on; the message names the source or file and what is wrong. */
public class FetchException extends RuntimeException {
  public FetchException(String message) {
    super(message);
  }

  public FetchException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A request that got no answer (refused, reset, timed out, unknown host): says which host and
   * URL, and the first cause that has words, since Java's connect failures often have none.
   */
  public static FetchException unreachable(java.net.URI url, java.io.IOException e) {
    return new RetryableFetchException(
        "no answer from " + url.getHost() + " for " + url + ": " + describe(e), e, null);
  }

  static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e.getClass().getSimpleName() + " (no detail from the connection)";
  }
}
