package dev.modelforge.runtime.fetch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The fetch's progress file, in the shape the operator folds into the Model's status: {@code phase,
 * bytesDone, totalBytes, rate, eta, files[{path,size,sha256}], config{...}, message, error}.
 * Written through a temporary file and a rename so a reader never sees half of it.
 */
final class FetchProgress {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  FetchProgress(Path file) {
    this.file = file;
  }

  void write(
      String phase,
      long bytesDone,
      long totalBytes,
      double rate,
      List<FetchedFile> files,
      Map<String, Object> config,
      String message,
      String error) {
    if (file == null) {
      return;
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("phase", phase);
    n.put("bytesDone", bytesDone);
    n.put("totalBytes", totalBytes);
    n.put("rate", Math.round(rate));
    if (rate > 0 && totalBytes > bytesDone) {
      n.put("eta", Math.round((totalBytes - bytesDone) / rate));
    } else if (totalBytes > 0 && totalBytes <= bytesDone) {
      n.put("eta", 0);
    } else {
      n.putNull("eta");
    }
    ArrayNode list = n.putArray("files");
    for (FetchedFile f : files) {
      list.addObject().put("path", f.path()).put("size", f.size()).put("sha256", f.sha256());
    }
    if (config != null) {
      n.set("config", JSON.valueToTree(config));
    }
    n.put("message", message);
    if (error != null) {
      n.put("error", error);
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), n);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** A file in place at the destination, with the digest computed while it was written. */
  record FetchedFile(String path, long size, String sha256) {}
}
