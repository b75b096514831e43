package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** HTTP Range requests for resuming a download, shared by the HTTP sources. */
final class HttpRange {

  private HttpRange() {}

  /**
   * Asks for the bytes from {@code offset} up to {@code end} (exclusive; -1 for all the rest:
   * nothing to add at 0).
   */
  static HttpRequest.Builder from(HttpRequest.Builder request, long offset, long end) {
    String range = header(offset, end);
    return range == null ? request : request.header("Range", range);
  }

  /** The Range header's value, or null for the whole file. */
  static String header(long offset, long end) {
    if (end >= 0) {
      return "bytes=" + offset + "-" + (end - 1);
    }
    return offset > 0 ? "bytes=" + offset + "-" : null;
  }

  /**
   * The download's body and where it starts: {@code offset} for a 206 whose Content-Range starts
   * there, 0 for a 200 (a server that ignores Range sends it all). Any other status is the caller's
   * {@code failure}, retryable when it may pass.
   */
  static ModelSource.Opened opened(HttpResponse<InputStream> r, long offset, String failure)
      throws IOException {
    int status = r.statusCode();
    if (status == 200) {
      return new ModelSource.Opened(r.body(), 0);
    }
    if (status == 206) {
      String range = r.headers().firstValue("Content-Range").orElse("");
      if (range.startsWith("bytes " + offset + "-")) {
        return new ModelSource.Opened(r.body(), offset);
      }
      r.body().close();
      throw new RetryableFetchException(
          failure + ": asked for bytes from " + offset + ", got the range '" + range + "'",
          null,
          null);
    }
    r.body().close();
    throw failure(failure + " answered HTTP " + status, r);
  }

  /** The failure for a status: retryable for 408, 429 and 5xx (with Retry-After), else final. */
  static FetchException failure(String message, HttpResponse<?> r) {
    return RetryableFetchException.isTransient(r.statusCode())
        ? RetryableFetchException.forStatus(message, r.statusCode(), r.headers())
        : new FetchException(message);
  }
}
