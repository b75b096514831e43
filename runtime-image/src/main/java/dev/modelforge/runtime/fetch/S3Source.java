package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model in an S3 bucket or an S3-compatible store: {@code s3://BUCKET/PREFIX} names a folder of
 * model files (or one object). Objects are listed with ListObjectsV2 and fetched with GET,
 * path-style against {@code AWS_ENDPOINT_URL_S3}/{@code AWS_ENDPOINT_URL} or {@code
 * https://s3.REGION.amazonaws.com}; requests are signed with SigV4 when {@code AWS_ACCESS_KEY_ID}
 * and {@code AWS_SECRET_ACCESS_KEY} are set (plus {@code AWS_SESSION_TOKEN}), unsigned otherwise
 * (public buckets).
 */
public final class S3Source implements ModelSource {

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
  private static final Pattern CONTENTS =
      Pattern.compile("<Contents>(.*?)</Contents>", Pattern.DOTALL);

  /** Where the store is and who asks. */
  public record Settings(
      URI endpoint, String region, String accessKey, String secretKey, String sessionToken) {

    /** From the AWS CLI's environment variables. */
    public static Settings fromEnvironment(Map<String, String> env) {
      String region =
          env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
      String endpoint =
          env.getOrDefault(
              "AWS_ENDPOINT_URL_S3",
              env.getOrDefault("AWS_ENDPOINT_URL", "https://s3." + region + ".amazonaws.com"));
      return new Settings(
          URI.create(
              endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint),
          region,
          env.get("AWS_ACCESS_KEY_ID"),
          env.get("AWS_SECRET_ACCESS_KEY"),
          env.get("AWS_SESSION_TOKEN"));
    }

    boolean signed() {
      return accessKey != null && !accessKey.isBlank() && secretKey != null && !secretKey.isBlank();
    }
  }

  private final String uri;
  private final String bucket;
  private final String prefix;
  private final Settings settings;
  private final HttpClient http;

  S3Source(String uri, Settings settings, HttpClient http) {
    this.uri = uri;
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    this.bucket = slash < 0 ? rest : rest.substring(0, slash);
    String p = slash < 0 ? "" : rest.substring(slash + 1);
    this.prefix = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new FetchException(
          "source " + uri + " must be s3://BUCKET/PREFIX with a valid bucket name");
    }
    this.settings = settings;
    this.http = http;
  }

  @Override
  public String describe() {
    return uri;
  }

  @Override
  public List<RemoteFile> list() throws IOException {
    List<RemoteFile> all = new ArrayList<>();
    String folder = prefix.isEmpty() ? "" : prefix + "/";
    String token = null;
    do {
      Map<String, String> query = new LinkedHashMap<>();
      query.put("list-type", "2");
      query.put("prefix", folder);
      if (token != null) {
        query.put("continuation-token", token);
      }
      String xml = new String(get("/" + bucket, query).readAllBytes(), StandardCharsets.UTF_8);
      Matcher m = CONTENTS.matcher(xml);
      while (m.find()) {
        String key = unescape(tag(m.group(1), "Key"));
        long size = Long.parseLong(tag(m.group(1), "Size"));
        if (!key.endsWith("/")) {
          all.add(new RemoteFile(key.substring(folder.length()), size, null));
        }
      }
      token =
          "true".equals(tag(xml, "IsTruncated"))
              ? unescape(tag(xml, "NextContinuationToken"))
              : null;
    } while (token != null);
    if (all.isEmpty() && !prefix.isEmpty()) {
      // Not a folder: one object, e.g. s3://bucket/models/tiny.gguf.
      HttpResponse<Void> head =
          send(
              "HEAD",
              "/" + bucket + "/" + prefix,
              Map.of(),
              HttpResponse.BodyHandlers.discarding());
      String name = prefix.substring(prefix.lastIndexOf('/') + 1);
      return List.of(
          new RemoteFile(name, head.headers().firstValueAsLong("Content-Length").orElse(-1), null));
    }
    if (all.isEmpty()) {
      throw new FetchException(uri + " holds no objects");
    }
    return ModelFiles.select(all);
  }

  @Override
  public Opened open(RemoteFile file, long offset) throws IOException {
    String key =
        prefix.isEmpty() ? file.path() : isSingleObject(file) ? prefix : prefix + "/" + file.path();
    HttpResponse<InputStream> r =
        send(
            "GET",
            "/" + bucket + "/" + key,
            Map.of(),
            HttpResponse.BodyHandlers.ofInputStream(),
            offset);
    return HttpRange.opened(r, offset, uri + " (" + key + ")");
  }

  private boolean isSingleObject(RemoteFile file) {
    return prefix.endsWith("/" + file.path()) || prefix.equals(file.path());
  }

  private InputStream get(String path, Map<String, String> query) throws IOException {
    return send("GET", path, query, HttpResponse.BodyHandlers.ofInputStream()).body();
  }

  private <T> HttpResponse<T> send(
      String method, String rawPath, Map<String, String> query, HttpResponse.BodyHandler<T> body)
      throws IOException {
    return send(method, rawPath, query, body, 0);
  }

  private <T> HttpResponse<T> send(
      String method,
      String rawPath,
      Map<String, String> query,
      HttpResponse.BodyHandler<T> body,
      long offset)
      throws IOException {
    String path = settings.endpoint().getRawPath() + AwsSigV4.encodePath(rawPath);
    StringBuilder target =
        new StringBuilder(
            settings.endpoint().getScheme() + "://" + settings.endpoint().getRawAuthority() + path);
    if (!query.isEmpty()) {
      List<String> pairs = new ArrayList<>();
      query.forEach((k, v) -> pairs.add(AwsSigV4.encode(k) + "=" + AwsSigV4.encode(v)));
      target.append('?').append(String.join("&", pairs));
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(target.toString()))
            .timeout(Duration.ofMinutes(5))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (settings.signed()) {
      String amzDate = ZonedDateTime.now(ZoneOffset.UTC).format(AMZ_DATE);
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("host", settings.endpoint().getRawAuthority());
      headers.put("x-amz-content-sha256", AwsSigV4.EMPTY_SHA256);
      headers.put("x-amz-date", amzDate);
      if (settings.sessionToken() != null && !settings.sessionToken().isBlank()) {
        headers.put("x-amz-security-token", settings.sessionToken());
      }
      String auth =
          AwsSigV4.authorization(
              method,
              path,
              query,
              headers,
              settings.accessKey(),
              settings.secretKey(),
              settings.region(),
              "s3",
              amzDate);
      headers.forEach(
          (k, v) -> {
            if (!k.equals("host")) {
              request.header(k, v);
            }
          });
      request.header("Authorization", auth);
    }
    HttpRange.from(request, offset); // unsigned: SigV4 allows headers outside the signature
    HttpResponse<T> response;
    try {
      response = http.send(request.build(), body);
    } catch (IOException e) {
      throw FetchException.unreachable(URI.create(target.toString()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + target, e);
    }
    if (response.statusCode() == 200 || (response.statusCode() == 206 && offset > 0)) {
      return response;
    }
    if (response.body() instanceof InputStream in) {
      in.close();
    }
    throw HttpRange.failure(
        switch (response.statusCode()) {
          case 403 ->
              uri
                  + " refused access (403): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the"
                  + " Model's credentialsSecretRef) and the bucket policy";
          case 404 -> uri + " was not found at " + settings.endpoint() + " (" + rawPath + ")";
          default -> settings.endpoint() + rawPath + " answered HTTP " + response.statusCode();
        },
        response);
  }

  private static String tag(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">(.*?)</" + name + ">", Pattern.DOTALL).matcher(xml);
    return m.find() ? m.group(1) : "";
  }

  private static String unescape(String s) {
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
  }
}
