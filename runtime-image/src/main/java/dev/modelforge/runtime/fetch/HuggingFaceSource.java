package dev.modelforge.runtime.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model repository on the Hugging Face Hub (or a mirror speaking its API, {@code HF_ENDPOINT}):
 * {@code hf://org/name}, {@code hf://org/name@revision}, or {@code hf://org/name/file.gguf} for one
 * file. Files are listed through the tree API with their sizes and LFS digests and downloaded from
 * {@code /resolve/}; {@code HF_TOKEN} is sent for gated and private repositories.
 */
public final class HuggingFaceSource implements ModelSource {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

  private final String uri;
  private final URI endpoint;
  private final String repo;
  private final String revision;
  private final String singleFile;
  private final String token;
  private final HttpClient http;

  HuggingFaceSource(String uri, URI endpoint, String token, HttpClient http) {
    this.uri = uri;
    String rest = uri.substring("hf://".length());
    String[] parts = rest.split("/", 3);
    if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new FetchException(
          "source " + uri + " must name a repository: hf://ORG/NAME[@REVISION][/FILE]");
    }
    String name = parts[1];
    String rev = "main";
    int at = name.indexOf('@');
    if (at >= 0) {
      rev = name.substring(at + 1);
      name = name.substring(0, at);
    }
    if (!parts[0].matches("[\\w.-]+") || !name.matches("[\\w.-]+") || rev.isEmpty()) {
      throw new FetchException(
          "source " + uri + " is not a repository id: hf://ORG/NAME[@REVISION][/FILE]");
    }
    this.repo = parts[0] + "/" + name;
    this.revision = rev;
    this.singleFile = parts.length == 3 && !parts[2].isEmpty() ? parts[2] : null;
    String base = endpoint.toString();
    this.endpoint = URI.create(base.endsWith("/") ? base : base + "/");
    this.token = token == null || token.isBlank() ? null : token.trim();
    this.http = http;
  }

  @Override
  public String describe() {
    return uri;
  }

  @Override
  public List<RemoteFile> list() throws IOException {
    List<RemoteFile> all = new ArrayList<>();
    URI page =
        endpoint.resolve(
            "api/models/" + repo + "/tree/" + encode(revision) + "?recursive=true&expand=false");
    while (page != null) {
      HttpResponse<String> response = send(page, HttpResponse.BodyHandlers.ofString());
      JsonNode files = JSON.readTree(response.body());
      if (!files.isArray()) {
        throw new FetchException(page + " did not answer with a file list");
      }
      for (JsonNode f : files) {
        if (!"file".equals(f.path("type").asText())) {
          continue;
        }
        JsonNode lfs = f.path("lfs");
        all.add(
            new RemoteFile(
                f.path("path").asText(),
                f.path("size").asLong(-1),
                lfs.isObject() ? lfs.path("oid").asText(null) : null));
      }
      page = nextPage(response);
    }
    if (singleFile != null) {
      List<RemoteFile> one = all.stream().filter(f -> f.path().equals(singleFile)).toList();
      if (one.isEmpty()) {
        throw new FetchException(
            repo + "@" + revision + " has no file " + singleFile + "; it has " + names(all));
      }
      return one;
    }
    List<RemoteFile> chosen = ModelFiles.select(all);
    if (chosen.stream().noneMatch(f -> f.path().endsWith(".safetensors") || isGguf(f))) {
      throw new FetchException(
          repo
              + "@"
              + revision
              + " has no safetensors or GGUF weights (ModelForge does not load PyTorch"
              + " pickles); files: "
              + names(all));
    }
    return chosen;
  }

  @Override
  public boolean ranges() {
    return true;
  }

  @Override
  public Opened open(RemoteFile file, long offset, long end) throws IOException {
    URI url =
        endpoint.resolve(repo + "/resolve/" + encode(revision) + "/" + encodePath(file.path()));
    HttpResponse<InputStream> r = send(url, HttpResponse.BodyHandlers.ofInputStream(), offset, end);
    return HttpRange.opened(r, offset, url.toString());
  }

  private <T> HttpResponse<T> send(URI url, HttpResponse.BodyHandler<T> body) throws IOException {
    return send(url, body, 0, -1);
  }

  private <T> HttpResponse<T> send(URI url, HttpResponse.BodyHandler<T> body, long offset, long end)
      throws IOException {
    HttpRequest.Builder request =
        HttpRange.from(
            HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(5)).GET(), offset, end);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<T> response;
    try {
      response = http.send(request.build(), body);
    } catch (IOException e) {
      throw FetchException.unreachable(url, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + url, e);
    }
    int status = response.statusCode();
    if (status == 200 || (status == 206 && HttpRange.header(offset, end) != null)) {
      return response;
    }
    if (response.body() instanceof InputStream in) {
      in.close();
    }
    throw HttpRange.failure(
        switch (status) {
          case 401, 403 ->
              repo
                  + " refused access ("
                  + status
                  + "): it is gated or private; set HF_TOKEN to a token that may read it";
          case 404 -> repo + "@" + revision + " was not found at " + endpoint + " (" + url + ")";
          case 429 ->
              endpoint + " rate-limited the download (429); a token (HF_TOKEN) raises the limit";
          default -> url + " answered HTTP " + status;
        },
        response);
  }

  private static URI nextPage(HttpResponse<?> response) {
    for (String link : response.headers().allValues("Link")) {
      Matcher m = NEXT_LINK.matcher(link);
      if (m.find()) {
        return URI.create(m.group(1));
      }
    }
    return null;
  }

  private static boolean isGguf(RemoteFile f) {
    return f.path().endsWith(".gguf");
  }

  private static String names(List<RemoteFile> files) {
    List<String> names = files.stream().map(RemoteFile::path).limit(20).toList();
    return String.join(", ", names) + (files.size() > 20 ? ", ..." : "");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/")) {
      parts.add(encode(p));
    }
    return String.join("/", parts);
  }
}
