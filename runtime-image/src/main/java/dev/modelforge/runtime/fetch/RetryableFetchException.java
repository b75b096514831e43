package dev.modelforge.runtime.fetch;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * A fetch failure that may pass: no answer, a dropped or stalled connection, a 5xx, or a 429. The
 * fetcher retries it with backoff (resuming the file where it stopped) until its budget runs out.
 */
public final class RetryableFetchException extends FetchException {

  private final Duration retryAfter;

  public RetryableFetchException(String message, Throwable cause, Duration retryAfter) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  /** What the server asked to wait (Retry-After), or null to use the backoff. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Whether an HTTP status is worth another try: 408, 429 and the 5xx answers. */
  static boolean isTransient(int status) {
    return status == 408 || status == 429 || status >= 500;
  }

  /** The failure for a transient status, with the server's Retry-After when it sent one. */
  static RetryableFetchException forStatus(String message, int status, HttpHeaders headers) {
    return new RetryableFetchException(
        message,
        null,
        headers.firstValue("Retry-After").map(RetryableFetchException::parse).orElse(null));
  }

  /** As above, for a client that hands over the Retry-After header alone. */
  static RetryableFetchException forStatus(String message, java.util.Optional<String> retryAfter) {
    return new RetryableFetchException(
        message, null, retryAfter.map(RetryableFetchException::parse).orElse(null));
  }

  /** Retry-After as seconds or an HTTP date; null when it is neither. */
  static Duration parse(String value) {
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      try {
        Duration d =
            Duration.between(
                ZonedDateTime.now(),
                ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }
}
