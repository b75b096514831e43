package dev.modelforge.runtime.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model folder or single file already on this machine or mounted into the pod: {@code
 * pvc://claim/path} and {@code configmap://name[/key]} resolve under the source root ({@code
 * MODELFORGE_SOURCE_ROOT}, where the operator mounts them), a plain path or {@code file://} as is.
 */
public final class LocalSource implements ModelSource {

  private final String uri;
  private final Path root;

  LocalSource(String uri, Path root) {
    this.uri = uri;
    this.root = root;
    if (!Files.exists(root)) {
      throw new FetchException(
          "source "
              + uri
              + " resolves to "
              + root
              + ", which does not exist"
              + (uri.startsWith("pvc://") || uri.startsWith("configmap://")
                  ? " (is the volume mounted under MODELFORGE_SOURCE_ROOT?)"
                  : ""));
    }
  }

  @Override
  public String describe() {
    return uri;
  }

  @Override
  public List<RemoteFile> list() throws IOException {
    if (Files.isRegularFile(root)) {
      return List.of(new RemoteFile(root.getFileName().toString(), Files.size(root), null));
    }
    List<RemoteFile> all = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        String rel = root.relativize(p).toString().replace('\\', '/');
        // ConfigMap volumes hold their data behind ..data symlinks and ..timestamp folders.
        if (!rel.startsWith("..")) {
          all.add(new RemoteFile(rel, Files.size(p), null));
        }
      }
    }
    if (all.isEmpty()) {
      throw new FetchException("source " + uri + " (" + root + ") holds no files");
    }
    return ModelFiles.select(all);
  }

  @Override
  public Opened open(RemoteFile file, long offset, long end) throws IOException {
    InputStream in =
        Files.newInputStream(Files.isRegularFile(root) ? root : root.resolve(file.path()));
    in.skipNBytes(offset);
    return new Opened(in, offset);
  }
}
