package dev.modelforge.engine.format;

import java.nio.file.Path;

/**
 * A model file that cannot be used: corrupt, truncated, inconsistent or of an unsupported kind. The
 * message names the file, the tensor or key where known, and the problem.
 */
public class ModelFormatException extends RuntimeException {

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  public static ModelFormatException of(Path file, String problem) {
    return new ModelFormatException(file + ": " + problem);
  }

  public static ModelFormatException of(Path file, String tensor, String problem) {
    return new ModelFormatException(file + ": tensor '" + tensor + "': " + problem);
  }
}
