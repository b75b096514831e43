package dev.modelforge.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the checkout's {@code bin/modelforge}, which the local pods run. */
public final class Launcher {

  private Launcher() {}

  /**
   * {@code $MODELFORGE_HOME/bin/modelforge} (the launcher exports it), else the first {@code
   * bin/modelforge} in the working directory or above it (tests run in e2e/).
   */
  public static Path find() {
    String home = System.getenv("MODELFORGE_HOME");
    if (home != null && Files.isExecutable(Path.of(home, "bin", "modelforge"))) {
      return Path.of(home, "bin", "modelforge").toAbsolutePath();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("bin").resolve("modelforge");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "cannot find bin/modelforge: run from the ModelForge checkout or set MODELFORGE_HOME");
  }

  /** The checkout: the folder holding bin/modelforge. */
  public static Path home() {
    return find().getParent().getParent();
  }
}
