package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A download stream that gives up when no byte arrives for a while: Java's HTTP client times out
 * only until the headers, so a connection that stalls mid-body would block a fetch for good. Each
 * read runs on a virtual thread into a private buffer and is waited for at most the limit; on
 * timeout the stream is closed and the read fails, and the fetcher resumes from where it stopped.
 */
final class TimedInputStream extends InputStream {

  private final InputStream in;
  private final Duration limit;
  private final ExecutorService reader = Executors.newVirtualThreadPerTaskExecutor();
  private byte[] buffer = new byte[1 << 20];

  TimedInputStream(InputStream in, Duration limit) {
    this.in = in;
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    byte[] into = buffer;
    int want = Math.min(len, into.length);
    Future<Integer> pending = reader.submit(() -> in.read(into, 0, want));
    try {
      int n = pending.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      if (n > 0) {
        System.arraycopy(into, 0, b, off, n);
      }
      return n;
    } catch (TimeoutException e) {
      pending.cancel(true);
      buffer = new byte[into.length]; // the abandoned read may still write into the old one
      close();
      throw new IOException("no data for " + limit.toSeconds() + " s: the connection stalled");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while downloading", e);
    }
  }

  @Override
  public void close() throws IOException {
    reader.shutdownNow();
    in.close();
  }
}
