package dev.modelforge.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the pinned kubectl against the local cluster with its printed kubeconfig, as a user does.
 */
record Kubectl(Path binary, Path kubeconfig, Path workDir) {

  record Result(int exitCode, String stdout, String stderr) {}

  static Kubectl of(LocalCluster cluster) {
    return new Kubectl(cluster.kubectl(), cluster.kubeconfig(), cluster.stateDir());
  }

  /** Runs kubectl; a command still running after {@code seconds} is stopped (exit code 124). */
  Result run(int seconds, String... args) throws IOException, InterruptedException {
    return run(seconds, "", args);
  }

  /** Runs kubectl with {@code stdin} as its input (for `-f -`). */
  Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
    return run(60, stdin, args);
  }

  private Result run(int seconds, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    Path in = Files.writeString(Files.createTempFile(workDir, "kubectl", ".in"), stdin);
    Path out = Files.createTempFile(workDir, "kubectl", ".out");
    Path err = Files.createTempFile(workDir, "kubectl", ".err");
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    Process p =
        pb.redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    int code;
    if (p.waitFor(seconds, TimeUnit.SECONDS)) {
      code = p.exitValue();
    } else {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
      code = 124;
    }
    return new Result(
        code,
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
