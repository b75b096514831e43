package dev.modelforge.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The operator of the local cluster: the packaged Quarkus application ({@code
 * operator/target/quarkus-app}) run as its own JVM against the local API server, as it runs in a
 * cluster, with its log in the state folder.
 */
final class OperatorProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static OperatorProcess start(Path home, Path kubeconfig, String namespace, Path log)
      throws IOException {
    Path jar = home.resolve("operator/target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "the operator is not built yet ("
              + jar
              + " is missing); build it with: ./mvnw -q package -DskipTests");
    }
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java");
    List<String> command = new ArrayList<>();
    command.add(java);
    // No HTTP port of its own: several local clusters (and tests) may run side by side.
    command.add("-Dquarkus.http.port=0");
    command.add("-Dquarkus.management.port=0");
    // A laptop-sized default for pods whose spec names no compute: the node agent reports this
    // machine's real CPUs, and the operator's default (one CPU per pod) would fill two cores.
    command.add("-Dmodelforge.defaults.cpu=250m");
    command.add("-Dmodelforge.defaults.memory=1Gi");
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    // As in its Deployment: the Lease and the leader-election Role are in its own namespace.
    pb.environment().put("POD_NAMESPACE", namespace);
    pb.redirectErrorStream(true);
    Files.createDirectories(log.toAbsolutePath().getParent());
    pb.redirectOutput(log.toFile());
    return new OperatorProcess(pb.start(), log);
  }

  /** Waits for Quarkus's "started" line; fails with the log's tail if the process dies first. */
  void awaitStarted(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      if (text.contains(" started in ")) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the operator exited ("
                + process.exitValue()
                + ") while starting; its log "
                + log
                + " ends:\n"
                + tail(text, 15));
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "the operator did not start within " + timeout + "; see " + log);
  }

  boolean alive() {
    return process.isAlive();
  }

  /** {@code /q/health/ready} on the port Quarkus chose, once the log has named it. */
  Optional<String> healthUrl() {
    try {
      var m =
          java.util.regex.Pattern.compile("Listening on: http://[^:]+:(\\d+)")
              .matcher(Files.readString(log, StandardCharsets.UTF_8));
      return m.find()
          ? Optional.of("http://127.0.0.1:" + m.group(1) + "/q/health/ready")
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  Path log() {
    return log;
  }

  private static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join(
        "\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
