package dev.modelforge.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes each progress snapshot to {@code progress.json} for the operator, through a temporary file
 * renamed into place so a reader never sees half a file. Unknown numbers are written as null.
 */
public final class ProgressFile implements TrainingProgress.Listener {

  public static final String FILE = "progress.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  public ProgressFile(Path outputDir) {
    this.file = outputDir.resolve(FILE);
  }

  @Override
  public void onProgress(TrainingProgress p) {
    ObjectNode n = JSON.createObjectNode();
    n.put("phase", p.phase());
    n.put("step", p.step());
    n.put("totalSteps", p.totalSteps());
    n.put("epoch", p.epoch());
    number(n, "loss", p.loss());
    number(n, "validationLoss", p.validationLoss());
    number(n, "learningRate", p.learningRate());
    number(n, "tokensPerSecond", p.tokensPerSecond());
    number(n, "etaSeconds", p.etaSeconds() < 0 ? Double.NaN : p.etaSeconds());
    n.put("message", p.message());
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(FILE + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), n);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void number(ObjectNode n, String key, double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      n.putNull(key);
    } else {
      n.put(key, v);
    }
  }
}
