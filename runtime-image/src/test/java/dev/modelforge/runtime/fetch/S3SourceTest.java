package dev.modelforge.runtime.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * s3:// against a local server that speaks ListObjectsV2 and GET, paginates, and checks every
 * request's SigV4 signature the way S3 does: from the request as it arrived on the wire.
 */
class S3SourceTest {

  private static final String ACCESS = "AKIDLOCAL";
  private static final String SECRET = "local/secret/key";

  @TempDir Path dir;
  private HttpServer server;
  private final Map<String, byte[]> objects = new TreeMap<>();
  private final List<String> problems = new ArrayList<>();
  private boolean requireSignature = true;

  @BeforeEach
  void start() throws IOException {
    objects.put("models/tiny/config.json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    objects.put("models/tiny/model.safetensors", new byte[] {1, 2, 3, 4});
    objects.put("models/tiny/sub dir/notes.txt", new byte[] {5});
    objects.put("models/other/config.json", new byte[] {9});
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private Map<String, String> env(boolean credentials) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:" + server.getAddress().getPort());
    env.put("AWS_REGION", "eu-west-1");
    if (credentials) {
      env.put("AWS_ACCESS_KEY_ID", ACCESS);
      env.put("AWS_SECRET_ACCESS_KEY", SECRET);
    }
    return env;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      URI u = ex.getRequestURI();
      Map<String, String> query = new TreeMap<>();
      if (u.getRawQuery() != null) {
        for (String p : u.getRawQuery().split("&")) {
          int eq = p.indexOf('=');
          query.put(
              URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (requireSignature) {
        String amzDate = ex.getRequestHeaders().getFirst("x-amz-date");
        Map<String, String> signed = new LinkedHashMap<>();
        signed.put("host", ex.getRequestHeaders().getFirst("Host"));
        signed.put("x-amz-content-sha256", ex.getRequestHeaders().getFirst("x-amz-content-sha256"));
        signed.put("x-amz-date", amzDate);
        String expected =
            amzDate == null
                ? null
                : AwsSigV4.authorization(
                    ex.getRequestMethod(),
                    u.getRawPath(),
                    query,
                    signed,
                    ACCESS,
                    SECRET,
                    "eu-west-1",
                    "s3",
                    amzDate);
        if (auth == null || !auth.equals(expected)) {
          problems.add("bad signature for " + u);
          send(
              ex,
              403,
              "<Error><Code>SignatureDoesNotMatch</Code></Error>".getBytes(StandardCharsets.UTF_8));
          return;
        }
      } else if (auth != null) {
        problems.add("unexpected Authorization on a public bucket");
      }
      String path = URLDecoder.decode(u.getRawPath(), StandardCharsets.UTF_8);
      if (path.equals("/weights") && "2".equals(query.get("list-type"))) {
        String prefix = query.getOrDefault("prefix", "");
        List<String> keys = objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        // Two keys per page, as S3 pages with MaxKeys.
        int from =
            query.containsKey("continuation-token")
                ? Integer.parseInt(query.get("continuation-token"))
                : 0;
        int to = Math.min(keys.size(), from + 2);
        StringBuilder xml = new StringBuilder("<ListBucketResult>");
        for (String k : keys.subList(from, to)) {
          xml.append("<Contents><Key>")
              .append(k)
              .append("</Key><Size>")
              .append(objects.get(k).length)
              .append("</Size></Contents>");
        }
        xml.append("<IsTruncated>").append(to < keys.size()).append("</IsTruncated>");
        if (to < keys.size()) {
          xml.append("<NextContinuationToken>").append(to).append("</NextContinuationToken>");
        }
        send(
            ex, 200, xml.append("</ListBucketResult>").toString().getBytes(StandardCharsets.UTF_8));
        return;
      }
      String key = path.startsWith("/weights/") ? path.substring("/weights/".length()) : null;
      if (key != null && objects.containsKey(key)) {
        if (ex.getRequestMethod().equals("HEAD")) {
          ex.getResponseHeaders().add("Content-Length", Integer.toString(objects.get(key).length));
          ex.sendResponseHeaders(200, -1);
        } else {
          send(ex, 200, objects.get(key));
        }
        return;
      }
      send(ex, 404, "<Error><Code>NoSuchKey</Code></Error>".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private ModelSource source(String uri, boolean credentials) {
    return Sources.of(uri, dir, URI.create("http://unused"), null, env(credentials));
  }

  @Test
  void listsAFolderAcrossPagesWithSignedRequestsAndDownloadsItsFiles() throws IOException {
    ModelSource s3 = source("s3://weights/models/tiny", true);

    List<RemoteFile> files = s3.list();

    assertThat(files)
        .extracting(RemoteFile::path)
        .containsExactly("config.json", "model.safetensors");
    assertThat(files).extracting(RemoteFile::size).containsExactly(7L, 4L);
    try (var in = s3.open(files.get(1), 0).body()) {
      assertThat(in.readAllBytes()).containsExactly(1, 2, 3, 4);
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void oneObjectAndAPublicBucketWithoutCredentials() throws IOException {
    requireSignature = false;
    ModelSource s3 = source("s3://weights/models/tiny/model.safetensors", false);

    List<RemoteFile> files = s3.list();

    assertThat(files).extracting(RemoteFile::path).containsExactly("model.safetensors");
    Path dest = dir.resolve("out");
    Files.createDirectories(dest);
    try (var in = s3.open(files.getFirst(), 0).body()) {
      assertThat(in.readAllBytes()).hasSize(4);
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void wrongCredentialsAndMissingPrefixesAreClearErrors() {
    Map<String, String> env = env(true);
    env.put("AWS_SECRET_ACCESS_KEY", "wrong");
    ModelSource wrong =
        Sources.of("s3://weights/models/tiny", dir, URI.create("http://unused"), null, env);
    assertThatThrownBy(wrong::list).hasMessageContaining("refused access (403)");

    assertThatThrownBy(() -> source("s3://weights/models/none", true).list())
        .hasMessageContaining("was not found");
    assertThatThrownBy(() -> source("s3://Bad_Bucket/x", true))
        .hasMessageContaining("valid bucket name");
  }
}
