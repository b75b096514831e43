package dev.modelforge.runtime.fetch;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Turns a source URI (the Model's {@code spec.source.uri}) into a {@link ModelSource}. */
public final class Sources {

  private Sources() {}

  /**
   * @param sourceRoot where the operator mounts pvc:// and configmap:// sources
   * @param hfEndpoint the Hugging Face Hub or a mirror
   * @param hfToken sent to the hub when not null
   */
  public static ModelSource of(String uri, Path sourceRoot, URI hfEndpoint, String hfToken) {
    return of(uri, sourceRoot, hfEndpoint, hfToken, System.getenv());
  }

  /** As above, with the AWS_* settings of s3:// sources read from {@code env}. */
  public static ModelSource of(
      String uri, Path sourceRoot, URI hfEndpoint, String hfToken, Map<String, String> env) {
    int sep = uri.indexOf("://");
    if (sep < 0) {
      return new LocalSource(uri, Path.of(uri));
    }
    String scheme = uri.substring(0, sep);
    String rest = uri.substring(sep + 3);
    return switch (scheme) {
      case "hf" -> new HuggingFaceSource(uri, hfEndpoint, hfToken, http());
      case "http", "https" -> new UrlSource(uri, http());
      case "file" -> new LocalSource(uri, Path.of(URI.create(uri)));
      case "pvc", "configmap" -> new LocalSource(uri, mounted(sourceRoot, scheme, rest, uri));
      case "s3" -> new S3Source(uri, S3Source.Settings.fromEnvironment(env));
      default ->
          throw new FetchException(
              "source "
                  + uri
                  + " has an unknown scheme '"
                  + scheme
                  + "'; use hf://, https://, pvc://, configmap:// or a local path");
    };
  }

  /** A pvc:// or configmap:// URI as the path the operator mounts it at. */
  public static Path mounted(Path sourceRoot, String scheme, String rest, String uri) {
    String object = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
    String inside = rest.contains("/") ? rest.substring(rest.indexOf('/') + 1) : "";
    if (object.isEmpty() || inside.contains("..")) {
      throw new FetchException("source " + uri + " must be " + scheme + "://NAME[/PATH]");
    }
    Path base = sourceRoot.resolve(scheme).resolve(object);
    return inside.isEmpty() ? base : base.resolve(inside);
  }

  private static HttpClient http() {
    return HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }
}
