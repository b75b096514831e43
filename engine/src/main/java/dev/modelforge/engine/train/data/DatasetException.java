package dev.modelforge.engine.train.data;

import java.nio.file.Path;

/** A dataset that cannot be trained on; the message names the file, the line and the problem. */
public final class DatasetException extends RuntimeException {

  public DatasetException(String message) {
    super(message);
  }

  static DatasetException at(Path file, int line, String problem) {
    return new DatasetException(file + ":" + line + ": " + problem);
  }
}
