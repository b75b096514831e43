package dev.modelforge.runtime.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetches against an HTTP server that really misbehaves: it drops the connection mid-file, stalls,
 * answers 503 and 429 with Retry-After, and ignores Range. Each fetch must end with the exact
 * bytes, resuming where it stopped, or fail naming the URL and the last cause.
 */
class FetchResilienceTest {

  private static final int SIZE = 3 << 20;
  private static final Fetcher.Retry FAST =
      new Fetcher.Retry(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(400));

  @TempDir Path dir;
  private HttpServer server;
  private String url;
  private final byte[] file = new byte[SIZE];

  /** What the server does with each GET, in order; once empty, it serves properly. */
  private final Queue<Fault> faults = new ConcurrentLinkedQueue<>();

  /** Whether the server ignores every Range header (answers 200 with the whole file). */
  private volatile boolean ignoreRanges;

  /** The Range header of each GET (null without one). */
  private final List<String> ranges = Collections.synchronizedList(new ArrayList<>());

  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  private sealed interface Fault {}

  /** Sends this many bytes of the answer, then drops the connection. */
  private record Drop(int after) implements Fault {}

  /** Sends this many bytes, then sends nothing for a long time. */
  private record Stall(int after) implements Fault {}

  /** Answers this status with this Retry-After (null for none). */
  private record Status(int code, String retryAfter) implements Fault {}

  /** Answers 200 with the whole file, whatever the Range. */
  private record IgnoreRange() implements Fault {}

  @BeforeEach
  void start() throws IOException {
    new Random(7).nextBytes(file);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/models/tiny.bin", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/tiny.bin";
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().add("Content-Length", String.valueOf(SIZE));
      ex.sendResponseHeaders(200, -1);
      ex.close();
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    ranges.add(range);
    Fault fault = faults.poll();
    if (fault instanceof Status s) {
      if (s.retryAfter() != null) {
        ex.getResponseHeaders().add("Retry-After", s.retryAfter());
      }
      ex.sendResponseHeaders(s.code(), -1);
      ex.close();
      return;
    }
    int from = 0;
    int to = SIZE; // exclusive
    if (range != null && !(fault instanceof IgnoreRange) && !ignoreRanges) {
      String spec = range.substring("bytes=".length());
      from = Integer.parseInt(spec.substring(0, spec.indexOf('-')));
      String last = spec.substring(spec.indexOf('-') + 1);
      to = last.isEmpty() ? SIZE : Math.min(SIZE, Integer.parseInt(last) + 1);
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + SIZE);
      ex.sendResponseHeaders(206, to - from);
    } else {
      ex.sendResponseHeaders(200, SIZE);
    }
    OutputStream out = ex.getResponseBody();
    switch (fault) {
      case Drop d -> {
        out.write(file, from, d.after());
        out.flush();
        // abort the exchange: the client has fewer bytes than the length promised
        closeConnection(ex);
      }
      case Stall st -> {
        out.write(file, from, st.after());
        out.flush();
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        closeConnection(ex);
      }
      case null, default -> {
        out.write(file, from, to - from);
        out.close();
      }
    }
  }

  /** Closes the socket under an exchange without finishing its body. */
  private static void closeConnection(HttpExchange ex) {
    try {
      // the response body's stream refuses to close short of its length; the raw stream does not
      ex.getResponseBody().close();
    } catch (IOException expected) {
      // "insufficient bytes written to stream": the connection is dropped, as intended
    }
    ex.close();
  }

  private Fetcher fetcher(ModelSource source) {
    return new Fetcher(source, dir.resolve("out"), null, log::add, FAST);
  }

  private UrlSource urlSource() {
    return new UrlSource(url, HttpClient.newHttpClient());
  }

  /** The URL's file as the hub would list it, with its published SHA-256. */
  private ModelSource withDigest(ModelSource inner) throws Exception {
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
    return new ModelSource() {
      @Override
      public List<RemoteFile> list() {
        return List.of(new RemoteFile("tiny.bin", SIZE, sha));
      }

      @Override
      public Opened open(RemoteFile f, long offset, long end) throws IOException {
        return inner.open(f, offset, end);
      }

      @Override
      public boolean ranges() {
        return inner.ranges();
      }

      @Override
      public String describe() {
        return inner.describe();
      }
    };
  }

  private byte[] fetched() throws IOException {
    return Files.readAllBytes(dir.resolve("out/tiny.bin"));
  }

  private static void runIgnoringTheModelCheck(Fetcher f) {
    // the bytes are random, not a model: every byte arrives, then the model check refuses
    assertThatThrownBy(f::run).hasMessageContaining("has no config.json");
  }

  @Test
  void aDroppedConnectionResumesWithARangeRequest() throws Exception {
    faults.add(new Drop(1 << 20));
    faults.add(new Drop(1 << 20));

    runIgnoringTheModelCheck(fetcher(withDigest(urlSource())));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).containsExactly(null, "bytes=1048576-", "bytes=2097152-");
    assertThat(log).anyMatch(l -> l.contains("try 2 of 4")).anyMatch(l -> l.contains("try 3 of 4"));
    assertThat(dir.resolve("out/tiny.bin.part")).doesNotExist();
  }

  @Test
  void unavailableAndRateLimitedAnswersAreWaitedOutAsRetryAfterAsks() throws Exception {
    faults.add(new Status(503, null));
    faults.add(new Status(429, "1"));
    long start = System.nanoTime();

    runIgnoringTheModelCheck(fetcher(urlSource()));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).hasSize(3);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("Retry-After: 1 is honoured, not the 50 ms backoff")
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aStalledConnectionIsDroppedAndResumed() throws Exception {
    faults.add(new Stall(512 << 10));
    long start = System.nanoTime();

    runIgnoringTheModelCheck(fetcher(withDigest(urlSource())));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).containsExactly(null, "bytes=524288-");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("the 10 s stall is cut at the 400 ms stall timeout")
        .isLessThan(Duration.ofSeconds(8));
    assertThat(log).anyMatch(l -> l.contains("stalled"));
  }

  @Test
  void aServerThatIgnoresRangeSendsTheWholeFileAgain() throws Exception {
    faults.add(new Drop(1 << 20));
    faults.add(new IgnoreRange());

    runIgnoringTheModelCheck(fetcher(withDigest(urlSource())));

    assertThat(fetched()).isEqualTo(file);
  }

  @Test
  void aPartLeftByAKilledPodIsResumedAndTheWholeFileVerified() throws Exception {
    Path part = dir.resolve("out/tiny.bin.part");
    Files.createDirectories(part.getParent());
    Files.write(part, java.util.Arrays.copyOf(file, 1000));

    runIgnoringTheModelCheck(fetcher(withDigest(urlSource())));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).containsExactly("bytes=1000-");
    assertThat(log).anyMatch(l -> l.contains("resuming tiny.bin from byte 1000"));
  }

  @Test
  void aPartThatDoesNotMatchTheDigestIsDownloadedWholeOnce() throws Exception {
    Path part = dir.resolve("out/tiny.bin.part");
    Files.createDirectories(part.getParent());
    byte[] wrong = java.util.Arrays.copyOf(file, 1000);
    wrong[10] ^= 1;
    Files.write(part, wrong);

    runIgnoringTheModelCheck(fetcher(withDigest(urlSource())));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).containsExactly("bytes=1000-", null);
  }

  @Test
  void whenTheBudgetRunsOutTheErrorNamesTheUrlAndTheLastCause() {
    for (int i = 0; i < 10; i++) {
      faults.add(new Status(503, null));
    }

    assertThatThrownBy(() -> fetcher(urlSource()).run())
        .isInstanceOf(FetchException.class)
        .hasMessageContaining("downloading tiny.bin from " + url)
        .hasMessageContaining("failed after 4 tries")
        .hasMessageContaining("HTTP 503");
    assertThat(ranges).hasSize(4);
  }

  @Test
  void aNotFoundIsFinalAndNotRetried() {
    faults.add(new Status(404, null));

    assertThatThrownBy(() -> fetcher(urlSource()).run())
        .isInstanceOf(FetchException.class)
        .hasMessageContaining("HTTP 404")
        .hasMessageNotContaining("tries");
    assertThat(ranges).hasSize(1);
  }

  // Parallel ranged downloads: the file is "large" here from 1 MiB, in three ranges of 1 MiB.

  private static final Fetcher.Parallel THREE = new Fetcher.Parallel(3, 1 << 20);
  private static final int THIRD = SIZE / 3;

  private Fetcher parallelFetcher(ModelSource source, Fetcher.Retry retry) {
    return new Fetcher(source, dir.resolve("out"), null, log::add, retry, THREE);
  }

  private static String range(long from, long to) {
    return "bytes=" + from + "-" + (to - 1);
  }

  @Test
  void aLargeFileIsFetchedOverSeveralConnectionsInRanges() throws Exception {
    runIgnoringTheModelCheck(parallelFetcher(withDigest(urlSource()), FAST));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges)
        .containsExactlyInAnyOrder(
            range(0, THIRD), range(THIRD, 2 * THIRD), range(2 * THIRD, SIZE));
    assertThat(log).anyMatch(l -> l.contains("fetching tiny.bin over 3 connections"));
    assertThat(dir.resolve("out/tiny.bin.part")).doesNotExist();
    assertThat(dir.resolve("out/tiny.bin.part.ranges")).doesNotExist();
  }

  @Test
  void aRangeWhoseConnectionDropsResumesOnItsOwn() throws Exception {
    faults.add(new Drop(100_000));

    runIgnoringTheModelCheck(parallelFetcher(withDigest(urlSource()), FAST));

    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).hasSize(4);
    List<String> resumed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      resumed.add(range(i * THIRD + 100_000, i == 2 ? SIZE : (i + 1) * THIRD));
    }
    assertThat(ranges).anyMatch(resumed::contains);
    assertThat(log).anyMatch(l -> l.contains("try 2 of 4"));
  }

  @Test
  void aParallelFetchThatGaveUpIsResumedRangeByRangeByTheNextRun() throws Exception {
    Fetcher.Retry once =
        new Fetcher.Retry(0, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(400));
    faults.add(new Drop(200_000));
    assertThatThrownBy(() -> parallelFetcher(withDigest(urlSource()), once).run())
        .hasMessageContaining("failed after 1 tries");
    assertThat(dir.resolve("out/tiny.bin.part.ranges")).exists();
    ranges.clear();

    runIgnoringTheModelCheck(parallelFetcher(withDigest(urlSource()), FAST));

    assertThat(fetched()).isEqualTo(file);
    assertThat(log).anyMatch(l -> l.contains("resuming tiny.bin from its recorded ranges"));
    // the second run asks only for what the first did not get
    long asked =
        ranges.stream()
            .mapToLong(
                r -> {
                  String[] ends = r.substring("bytes=".length()).split("-");
                  return Long.parseLong(ends[1]) + 1 - Long.parseLong(ends[0]);
                })
            .sum();
    assertThat(asked).isLessThanOrEqualTo(SIZE - 200_000);
  }

  @Test
  void recordedRangesWhoseBytesFailTheDigestAreFetchedWholeOnceMore() throws Exception {
    Path part = dir.resolve("out/tiny.bin.part");
    Files.createDirectories(part.getParent());
    Files.write(part, new byte[SIZE]); // a killed run's zeros, recorded as done
    ModelSource source = withDigest(urlSource());
    String sha = source.list().getFirst().sha256();
    StringBuilder json =
        new StringBuilder("{\"sha256\":\"" + sha + "\",\"size\":" + SIZE + ",\"ranges\":[");
    for (int i = 0; i < 3; i++) {
      long end = i == 2 ? SIZE : (i + 1L) * THIRD;
      json.append(i == 0 ? "" : ",")
          .append("{\"start\":" + i * (long) THIRD + ",\"end\":" + end)
          .append(",\"done\":" + (end - i * (long) THIRD) + "}");
    }
    Files.writeString(dir.resolve("out/tiny.bin.part.ranges"), json.append("]}"));

    runIgnoringTheModelCheck(parallelFetcher(source, FAST));

    assertThat(log).anyMatch(l -> l.contains("failed its SHA-256 check after a resume"));
    assertThat(fetched()).isEqualTo(file);
    assertThat(ranges).hasSize(3); // nothing asked for the recorded ranges; three for the whole
  }

  @Test
  void aServerThatIgnoresRangesIsFetchedOverOneConnection() throws Exception {
    ignoreRanges = true;

    runIgnoringTheModelCheck(parallelFetcher(withDigest(urlSource()), FAST));

    assertThat(fetched()).isEqualTo(file);
    assertThat(log).anyMatch(l -> l.contains("fetching it over one connection"));
  }
}
