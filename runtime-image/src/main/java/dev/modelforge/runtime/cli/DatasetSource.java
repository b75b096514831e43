package dev.modelforge.runtime.cli;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.runtime.fetch.FetchException;
import dev.modelforge.runtime.fetch.ModelSource;
import dev.modelforge.runtime.fetch.RemoteFile;
import dev.modelforge.runtime.fetch.Sources;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Where {@code train --dataset} reads from: the FineTuningJob's dataset URI made a local file. */
final class DatasetSource {

  private DatasetSource() {}

  static Path resolve(String uri, Path sourceRoot) throws IOException {
    int sep = uri.indexOf("://");
    Path file;
    if (sep < 0) {
      file = Path.of(uri);
    } else {
      String scheme = uri.substring(0, sep);
      Path root =
          sourceRoot != null
              ? sourceRoot
              : Path.of(System.getenv().getOrDefault(RuntimeEnv.SOURCE_ROOT, Mounts.SOURCES));
      file =
          switch (scheme) {
            case "file" -> Path.of(URI.create(uri));
            case "pvc", "configmap" -> Sources.mounted(root, scheme, uri.substring(sep + 3), uri);
            case "http", "https" -> download(URI.create(uri));
            case "s3" -> downloadS3(uri, root);
            default ->
                throw new IllegalArgumentException(
                    "--dataset " + uri + " has an unknown scheme '" + scheme + "'");
          };
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "--dataset "
              + uri
              + (file.toString().equals(uri) ? "" : " (" + file + ")")
              + " is not a file");
    }
    return file;
  }

  /** One object of a bucket (AWS_* settings from the environment, as for fetch). */
  private static Path downloadS3(String uri, Path root) throws IOException {
    ModelSource s3 = Sources.of(uri, root, URI.create("https://huggingface.co"), null);
    List<RemoteFile> files = s3.list();
    if (files.size() != 1) {
      throw new FetchException(
          "--dataset "
              + uri
              + " must name one object (a JSONL file), not a folder of "
              + files.size());
    }
    Path file = Files.createTempFile("modelforge-dataset-", ".jsonl");
    file.toFile().deleteOnExit();
    try (var in = s3.open(files.getFirst(), 0).body()) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }

  private static Path download(URI url) throws IOException {
    Path file = Files.createTempFile("modelforge-dataset-", ".jsonl");
    file.toFile().deleteOnExit();
    HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    try {
      HttpResponse<Path> r =
          http.send(
              HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(10)).build(),
              HttpResponse.BodyHandlers.ofFile(file));
      if (r.statusCode() != 200) {
        throw new FetchException("--dataset " + url + " answered HTTP " + r.statusCode());
      }
      return file;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while downloading " + url, e);
    }
  }
}
