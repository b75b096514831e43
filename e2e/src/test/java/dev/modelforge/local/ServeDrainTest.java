package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.examples.ArithmeticTask;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/modelforge serve} as the kubelet stops it, with SIGTERM while streams are open: from
 * the signal on, readiness and new requests get 503; streams in flight finish if the drain timeout
 * allows and otherwise end with {@code finish_reason: "abort"} and {@code [DONE]}; then the process
 * exits.
 */
class ServeDrainTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path work;
  private static Path model;
  private Process server;
  private URI base;
  private Path serverLog;

  @BeforeAll
  static void makeModel() throws Exception {
    Path tokenizer = work.resolve("tok");
    ArithmeticTask.writeTokenizer(tokenizer);
    model = work.resolve("model");
    Process init =
        new ProcessBuilder(
                Launcher.find().toString(),
                "init",
                "--preset",
                "tiny",
                "--layers",
                "2",
                "--out",
                model.toString(),
                "--tokenizer",
                tokenizer.toString())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("init.log").toFile())
            .start();
    assertThat(init.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(init.exitValue()).as("bin/modelforge init").isZero();
  }

  @AfterEach
  void stop() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  private void startServer(String drainTimeout) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    base = URI.create("http://127.0.0.1:" + port);
    server =
        new ProcessBuilder(
                Launcher.find().toString(),
                "serve",
                "--model",
                model.toString(),
                "--port",
                Integer.toString(port),
                "--threads",
                "2",
                "--drain-timeout",
                drainTimeout)
            .redirectErrorStream(true)
            .redirectOutput((serverLog = work.resolve("serve-" + port + ".log")).toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> get("/health/ready") == 200);
  }

  private int get(String path) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private HttpResponse<String> complete(String body) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve("/v1/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** What a client saw of one SSE stream: its text chunks, the finish reason and the terminator. */
  record Stream(int chunks, String finishReason, boolean done) {}

  /** Starts a streaming completion; {@code started} counts down at its first chunk. */
  private CompletableFuture<Stream> stream(int maxTokens, CountDownLatch started) {
    String body =
        "{\"prompt\": \"1+2=\", \"max_tokens\": "
            + maxTokens
            + ", \"temperature\": 0, \"ignore_eos\": true, \"stream\": true}";
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/v1/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
        .thenApply(
            response -> {
              assertThat(response.statusCode()).isEqualTo(200);
              // the JDK client asks for an h2c upgrade; the server declines it (runtime
              // application.properties)
              assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
              int chunks = 0;
              String reason = null;
              boolean done = false;
              for (String line : (Iterable<String>) response.body()::iterator) {
                if (!line.startsWith("data: ")) {
                  continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                  done = true;
                  continue;
                }
                JsonNode choice = readTree(data).path("choices").path(0);
                if (!choice.path("finish_reason").isNull()) {
                  reason = choice.path("finish_reason").asText();
                } else {
                  chunks++;
                  started.countDown();
                }
              }
              return new Stream(chunks, reason, done);
            });
  }

  /** The stream's outcome; a failed stream fails the test with the server's log, which says why. */
  private Stream awaitStream(CompletableFuture<Stream> stream) throws Exception {
    try {
      return stream.get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(
          "the stream failed: " + e.getCause() + "\nserver log:\n" + Files.readString(serverLog),
          e);
    }
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + json, e);
    }
  }

  @Test
  void sigtermRefusesNewWorkAndLetsStreamsInFlightFinish() throws Exception {
    startServer("120s");
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Stream> inFlight = stream(1500, started);
    assertThat(started.await(60, TimeUnit.SECONDS)).as("the stream started").isTrue();

    server.destroy(); // SIGTERM, as the kubelet sends it

    await().atMost(Duration.ofSeconds(10)).until(() -> get("/health/ready") == 503);
    HttpResponse<String> refused = complete("{\"prompt\": \"2+2=\", \"max_tokens\": 2}");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(readTree(refused.body()).path("error").path("message").asText())
        .contains("shutting down");

    Stream finished = awaitStream(inFlight);
    assertThat(finished.finishReason()).isEqualTo("length");
    assertThat(finished.done()).isTrue();
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server exited").isTrue();
  }

  /**
   * A client that stops reading while its stream runs on: the server finishes generating with the
   * rest of the stream still queued behind a full socket, and the shutdown must not close the
   * connection until those bytes are out.
   */
  @Test
  void aSlowReaderStillGetsItsWholeStreamAcrossTheDrain() throws Exception {
    startServer("120s");
    String body =
        "{\"prompt\": \"1+2=\", \"max_tokens\": 1500, \"n\": 4, \"temperature\": 0,"
            + " \"ignore_eos\": true, \"stream\": true}";
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096); // before connecting, so the window stays small
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
      socket.setSoTimeout(120_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\n"
                  + "Content-Type: application/json\r\nContent-Length: "
                  + body.getBytes(StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] first = new byte[256];
      assertThat(in.read(first)).as("the stream started").isPositive();

      server.destroy(); // SIGTERM while the client is not reading
      await().atMost(Duration.ofSeconds(10)).until(() -> get("/health/ready") == 503);
      // let the engine finish all four choices while the socket stays full
      Thread.sleep(8_000);

      String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(rest)
          .as("the stream's tail after the client resumed reading")
          .contains("data: [DONE]")
          .endsWith("0\r\n\r\n");
      assertThat(rest.split("\"finish_reason\": ?\"length\"", -1)).hasSize(5);
    }
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server exited").isTrue();
  }

  @Test
  void streamsStillRunningAtTheDrainTimeoutAreAbortedAndTheServerExits() throws Exception {
    startServer("1s");
    CountDownLatch started = new CountDownLatch(3);
    List<CompletableFuture<Stream>> streams = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      streams.add(stream(1500, started));
    }
    assertThat(started.await(60, TimeUnit.SECONDS)).as("the streams started").isTrue();

    long signalled = System.nanoTime();
    server.destroy();

    for (CompletableFuture<Stream> f : streams) {
      Stream s = awaitStream(f);
      assertThat(s.finishReason()).isEqualTo("abort");
      assertThat(s.done()).isTrue();
      assertThat(s.chunks()).isLessThan(1500);
    }
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server exited").isTrue();
    // one second of drain, then the cancelled streams end at the next step: far inside a
    // terminationGracePeriodSeconds of 45 (the operator sets it for a 30 s drain)
    assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(20));
  }
}
