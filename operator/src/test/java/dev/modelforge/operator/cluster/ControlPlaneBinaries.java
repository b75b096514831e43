package dev.modelforge.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pinned Kubernetes binaries kube-api-test runs, from their one home: {@code
 * e2e/control-plane/build.sh}, which builds them on first use (through the Go module proxy) and
 * prints their folder, {@code <dir>/k8s/<version>-linux-<arch>}.
 */
public record ControlPlaneBinaries(Path repositoryRoot, Path folder) {
  private static final Path SCRIPT = Path.of("e2e", "control-plane", "build.sh");

  /** The release, e.g. 1.34.4, as kube-api-test names its folders. */
  public String kubernetesVersion() {
    String name = folder.getFileName().toString();
    return name.substring(0, name.indexOf('-'));
  }

  /** kube-api-test's own folder, holding {@code k8s/} and its certificates. */
  public Path kubeApiTestDir() {
    return folder.getParent().getParent();
  }

  /** Finds the checkout from the working directory and makes sure the binaries are there. */
  public static ControlPlaneBinaries locate() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve(SCRIPT))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          SCRIPT + " not found above " + Path.of("").toAbsolutePath() + "; run from the checkout");
    }
    try {
      Path script = dir.resolve(SCRIPT);
      Process build = new ProcessBuilder("bash", script.toString()).inheritIO().start();
      if (build.waitFor() != 0) {
        throw new IllegalStateException(script + " could not build the control plane; see above");
      }
      Process print = new ProcessBuilder("bash", script.toString(), "--print").start();
      String folder = new String(print.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      print.waitFor();
      return new ControlPlaneBinaries(dir, Path.of(folder.strip()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the control plane", e);
    }
  }
}
