package dev.modelforge.runtime.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible store for a test: the MinIO server built by .ci/minio/build.sh (CI exports
 * its path as MODELFORGE_MINIO), on a free local port over a temporary folder. Without the binary
 * the test skips, except under CI, which must run it.
 */
final class MinioServer implements AutoCloseable {

  static final String ROOT_USER = "modelforge-root";
  static final String ROOT_PASSWORD = "minio-root-secret-3f9a1c";
  static final String REGION = "us-east-1";

  private final Process process;
  private final Path log;
  final URI endpoint;

  private MinioServer(Process process, Path log, URI endpoint) {
    this.process = process;
    this.log = log;
    this.endpoint = endpoint;
  }

  /** Starts a server over {@code data}, with {@code env} added to its environment. */
  static MinioServer start(Path data, Map<String, String> env) throws Exception {
    String binary = System.getenv("MODELFORGE_MINIO");
    boolean available = binary != null && Files.isExecutable(Path.of(binary));
    String hint = "export MODELFORGE_MINIO=$(bash .ci/minio/build.sh)";
    if (!available && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI must run the s3:// tests against MinIO: " + hint);
    }
    Assumptions.assumeTrue(available, "no MODELFORGE_MINIO; run: " + hint);
    int port = freePort();
    Files.createDirectories(data);
    Path log = Files.createTempFile("minio", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    binary,
                    "server",
                    data.toString(),
                    "--address",
                    "127.0.0.1:" + port,
                    "--console-address",
                    "127.0.0.1:" + freePort()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("MINIO_ROOT_USER", ROOT_USER);
    pb.environment().put("MINIO_ROOT_PASSWORD", ROOT_PASSWORD);
    pb.environment().put("MINIO_BROWSER", "off");
    pb.environment().put("MINIO_UPDATE", "off");
    pb.environment().putAll(env);
    MinioServer server = new MinioServer(pb.start(), log, URI.create("http://127.0.0.1:" + port));
    server.awaitLive();
    return server;
  }

  private void awaitLive() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("MinIO exited " + process.exitValue() + ":\n" + output());
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(endpoint.resolve("/minio/health/live")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new AssertionError("MinIO did not come up within 60 s:\n" + output());
  }

  /** What the server wrote so far. */
  String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** A client with the root credentials, to set buckets up. */
  S3Client admin() {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(Region.of(REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ROOT_USER, ROOT_PASSWORD)))
        .httpClientBuilder(Apache5HttpClient.builder())
        .build();
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
