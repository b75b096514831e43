package dev.modelforge.runtime.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One large file over several connections at once: the {@code .part} is sized to the whole file and
 * each connection fills its own bounded range of it. How far each range got is recorded beside the
 * {@code .part} (in {@code NAME.part.ranges}, written after the bytes it vouches for are forced to
 * disk), so a retry, or the next pod after a kill, resumes every range where it stopped. Each range
 * has the fetcher's retry budget of its own.
 */
final class SegmentedDownload {

  /** The file beside a {@code .part} that records its ranges. */
  static final String RANGES = ".ranges";

  /** How often a range's progress is made durable. */
  private static final long CHECKPOINT_BYTES = 32L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the download needs of the fetcher. */
  interface Host {
    <T> T retrying(String what, Fetcher.CheckedSupplier<T> work) throws IOException;

    /** {@code n} more bytes of {@code path} arrived. */
    void advance(String path, long n);

    void log(String line);
  }

  /** The source sent the whole file for a range: it cannot be fetched in parts. */
  static final class RangesIgnored extends FetchException {
    RangesIgnored(String message) {
      super(message);
    }
  }

  private final ModelSource source;
  private final RemoteFile file;
  private final Path part;
  private final Path ranges;
  private final Host host;
  private final Duration stallTimeout;
  private long[] starts;
  private long[] ends;
  private AtomicLongArray done;

  SegmentedDownload(
      ModelSource source, RemoteFile file, Path part, Host host, Duration stallTimeout) {
    this.source = source;
    this.file = file;
    this.part = part;
    this.ranges = rangesOf(part);
    this.host = host;
    this.stallTimeout = stallTimeout;
  }

  static Path rangesOf(Path part) {
    return part.resolveSibling(part.getFileName() + RANGES);
  }

  /**
   * The bytes the {@code .part} already holds by its recorded ranges (0 when there is no record of
   * this file's size, and the download starts afresh over {@code connections} ranges).
   */
  long prepare(int connections) throws IOException {
    if (load()) {
      long have = 0;
      for (int i = 0; i < starts.length; i++) {
        have += done.get(i);
      }
      host.log(
          "resuming "
              + file.path()
              + " from its recorded ranges: "
              + have
              + " of "
              + file.size()
              + " bytes over "
              + starts.length
              + " connections");
      return have;
    }
    int n = (int) Math.max(1, Math.min(connections, file.size() / (1 << 20)));
    starts = new long[n];
    ends = new long[n];
    done = new AtomicLongArray(n);
    for (int i = 0; i < n; i++) {
      starts[i] = file.size() * i / n;
      ends[i] = file.size() * (i + 1) / n;
    }
    try (FileChannel ch =
        FileChannel.open(
            part,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.allocate(1), file.size() - 1); // sized at once, sparse where it can be
    }
    save();
    host.log("fetching " + file.path() + " over " + n + " connections");
    return 0;
  }

  /**
   * Fills every range; the {@code .part} then holds the whole file. A range that runs out of tries
   * fails the download (the others are stopped and what they have is recorded for the next run).
   */
  void run() throws IOException {
    try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Void>> running = new ArrayList<>();
      for (int i = 0; i < starts.length; i++) {
        int range = i;
        if (starts[i] + done.get(i) < ends[i]) {
          running.add(
              pool.submit(
                  () ->
                      host.retrying(
                          "downloading "
                              + file.path()
                              + " bytes "
                              + starts[range]
                              + "-"
                              + (ends[range] - 1)
                              + " from "
                              + source.describe(),
                          () -> fill(ch, range))));
        }
      }
      try {
        for (Future<Void> f : running) {
          f.get();
        }
      } catch (ExecutionException e) {
        running.forEach(f -> f.cancel(true));
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } catch (InterruptedException e) {
        running.forEach(f -> f.cancel(true));
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching " + file.path(), e);
      } finally {
        checkpoint(ch);
      }
    }
  }

  /** Removes the record of the ranges (once the file is whole, or given up). */
  void forget() throws IOException {
    Files.deleteIfExists(ranges);
  }

  /** One try at range {@code i}, from where it stopped to its end. */
  private Void fill(FileChannel ch, int i) throws IOException {
    long pos = starts[i] + done.get(i);
    long end = ends[i];
    ModelSource.Opened opened = source.open(file, pos, end);
    if (opened.offset() != pos) {
      opened.body().close();
      throw new RangesIgnored(source.describe() + " sent the whole of " + file.path());
    }
    long sinceCheckpoint = 0;
    try (InputStream in = new TimedInputStream(opened.body(), stallTimeout)) {
      byte[] buffer = new byte[1 << 20];
      while (pos < end) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, end - pos));
        if (n < 0) {
          throw new RetryableFetchException(
              file.path() + " range " + starts[i] + "-" + (end - 1) + " ended at byte " + pos,
              null,
              null);
        }
        ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
        long at = pos;
        while (bytes.hasRemaining()) {
          at += ch.write(bytes, at);
        }
        pos += n;
        done.addAndGet(i, n);
        host.advance(file.path(), n);
        sinceCheckpoint += n;
        if (sinceCheckpoint >= CHECKPOINT_BYTES) {
          checkpoint(ch);
          sinceCheckpoint = 0;
        }
      }
    } catch (IOException e) {
      throw new RetryableFetchException(
          file.path()
              + " range "
              + starts[i]
              + "-"
              + (end - 1)
              + " broke off at byte "
              + pos
              + ": "
              + FetchException.describe(e),
          e,
          null);
    }
    return null;
  }

  /** Forces the bytes written so far to disk, then records how far each range got. */
  private synchronized void checkpoint(FileChannel ch) throws IOException {
    if (ch.isOpen()) {
      ch.force(false);
    }
    save();
  }

  private synchronized void save() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("size", file.size());
    if (file.sha256() != null) {
      root.put("sha256", file.sha256());
    }
    ArrayNode list = root.putArray("ranges");
    for (int i = 0; i < starts.length; i++) {
      list.addObject().put("start", starts[i]).put("end", ends[i]).put("done", done.get(i));
    }
    Path tmp = ranges.resolveSibling(ranges.getFileName() + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(root));
    Files.move(tmp, ranges, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads the record, if there is one for this file as the source lists it now. */
  private boolean load() throws IOException {
    if (!Files.isRegularFile(ranges) || !Files.isRegularFile(part)) {
      return false;
    }
    JsonNode root;
    try {
      root = JSON.readTree(ranges.toFile());
    } catch (IOException unreadable) {
      return false;
    }
    JsonNode list = root.path("ranges");
    boolean sameFile =
        root.path("size").asLong(-1) == file.size()
            && Files.size(part) == file.size()
            && (file.sha256() == null || file.sha256().equals(root.path("sha256").asText(null)))
            && list.isArray()
            && !list.isEmpty();
    if (!sameFile) {
      return false;
    }
    int n = list.size();
    starts = new long[n];
    ends = new long[n];
    done = new AtomicLongArray(n);
    long expected = 0;
    for (int i = 0; i < n; i++) {
      JsonNode r = list.get(i);
      starts[i] = r.path("start").asLong(-1);
      ends[i] = r.path("end").asLong(-1);
      long d = r.path("done").asLong(-1);
      if (starts[i] != expected || ends[i] < starts[i] || d < 0 || d > ends[i] - starts[i]) {
        return false; // not a record this class wrote for this size
      }
      done.set(i, d);
      expected = ends[i];
    }
    return expected == file.size();
  }
}
