package dev.modelforge.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The pinned Kubernetes release, read from its one home: the Go module in e2e/control-plane that
 * builds the binaries kube-api-test runs.
 */
public record ControlPlaneBinaries(Path repositoryRoot, String kubernetesVersion) {
  private static final Path GO_MOD = Path.of("e2e", "control-plane", "kubernetes", "go.mod");
  private static final Pattern REQUIRE =
      Pattern.compile("(?m)^\\s*(?:require\\s+)?k8s\\.io/kubernetes v(\\d+\\.\\d+\\.\\d+)\\b");

  /** Finds the checkout from the working directory (a module folder or the root). */
  public static ControlPlaneBinaries locate() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve(GO_MOD))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          GO_MOD + " not found above " + Path.of("").toAbsolutePath() + "; run from the checkout");
    }
    try {
      var matcher = REQUIRE.matcher(Files.readString(dir.resolve(GO_MOD)));
      if (!matcher.find()) {
        throw new IllegalStateException(
            dir.resolve(GO_MOD) + " requires no k8s.io/kubernetes version");
      }
      return new ControlPlaneBinaries(dir, matcher.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
