package dev.modelforge.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * ModelForge's cluster on one machine: the local API server with the CRDs, the operator as its own
 * process, and the workload runner; a kubeconfig for kubectl. Everything it keeps (claims' data,
 * pods' folders and logs, the operator's log) lives under the state folder.
 */
public final class LocalCluster implements AutoCloseable {

  /** The command the operator puts in pod templates by default (modelforge.runtime.command). */
  static final String RUNTIME_COMMAND = "/opt/modelforge/bin/modelforge";

  private final LocalApiServer api;
  private final OperatorProcess operator;
  private final WorkloadRunner runner;
  private final Path kubeconfig;
  private final Path stateDir;

  private LocalCluster(
      LocalApiServer api,
      OperatorProcess operator,
      WorkloadRunner runner,
      Path kubeconfig,
      Path stateDir) {
    this.api = api;
    this.operator = operator;
    this.runner = runner;
    this.kubeconfig = kubeconfig;
    this.stateDir = stateDir;
  }

  /** Starts the cluster; {@code apiPort} 0 picks a free port. Returns once the operator is up. */
  public static LocalCluster start(Path stateDir, int apiPort, Consumer<String> log)
      throws IOException, InterruptedException {
    Path home = Launcher.home();
    LocalApiServer api = LocalApiServer.start(apiPort);
    OperatorProcess operator = null;
    WorkloadRunner runner = null;
    try {
      api.installCrds(home.resolve("crds"));
      Path kubeconfig = Kubeconfig.write(stateDir.resolve("kubeconfig"), api.url());
      log.accept("API server at " + api.url() + ", CRDs installed");
      operator = OperatorProcess.start(home, kubeconfig, stateDir.resolve("logs/operator.log"));
      runner =
          new WorkloadRunner(
                  api.client(), stateDir, Launcher.find(), RUNTIME_COMMAND, kubeconfig, log)
              .start();
      operator.awaitStarted(Duration.ofMinutes(2));
      log.accept("operator started (log " + operator.log() + ")");
      return new LocalCluster(api, operator, runner, kubeconfig, stateDir);
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (runner != null) {
        runner.close();
      }
      if (operator != null) {
        operator.close();
      }
      api.close();
      throw e;
    }
  }

  public KubernetesClient client() {
    return api.client();
  }

  public String apiUrl() {
    return api.url();
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public Path stateDir() {
    return stateDir;
  }

  public WorkloadRunner runner() {
    return runner;
  }

  public boolean operatorAlive() {
    return operator.alive();
  }

  @Override
  public void close() {
    runner.close();
    operator.close();
    api.close();
  }
}
