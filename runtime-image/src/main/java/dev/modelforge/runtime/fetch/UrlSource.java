package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * One file at an http(s) URL, typically a {@code .gguf} or a presigned object-store link; it is
 * saved under the last segment of the URL's path.
 */
public final class UrlSource implements ModelSource {

  private final URI url;
  private final String name;
  private final HttpClient http;

  UrlSource(String uri, HttpClient http) {
    try {
      this.url = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new FetchException("source " + uri + " is not a valid URL: " + e.getMessage());
    }
    String path = url.getPath() == null ? "" : url.getPath();
    String last = path.substring(path.lastIndexOf('/') + 1);
    if (last.isEmpty() || last.equals("..") || last.equals(".")) {
      throw new FetchException(
          "source " + uri + " must name a file (e.g. https://host/model.gguf), not a folder");
    }
    this.name = last;
    this.http = http;
  }

  @Override
  public String describe() {
    return url.toString();
  }

  @Override
  public List<RemoteFile> list() throws IOException {
    HttpResponse<Void> head =
        send(HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    long size = head.headers().firstValueAsLong("Content-Length").orElse(-1);
    return List.of(new RemoteFile(name, size, null));
  }

  @Override
  public boolean ranges() {
    return true;
  }

  @Override
  public Opened open(RemoteFile file, long offset, long end) throws IOException {
    HttpRequest.Builder request = HttpRange.from(HttpRequest.newBuilder(url).GET(), offset, end);
    try {
      HttpResponse<InputStream> r =
          http.send(
              request.timeout(Duration.ofMinutes(5)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      return HttpRange.opened(r, offset, url.toString());
    } catch (IOException e) {
      throw FetchException.unreachable(url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + url, e);
    }
  }

  private HttpResponse<Void> send(HttpRequest.Builder request) throws IOException {
    try {
      HttpResponse<Void> r =
          http.send(
              request.timeout(Duration.ofMinutes(1)).build(),
              HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() != 200) {
        throw HttpRange.failure(url + " answered HTTP " + r.statusCode(), r);
      }
      return r;
    } catch (IOException e) {
      throw FetchException.unreachable(url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + url, e);
    }
  }
}
