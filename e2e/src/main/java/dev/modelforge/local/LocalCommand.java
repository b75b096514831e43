package dev.modelforge.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code modelforge local}: the embedded cluster on this machine. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "ModelForge on this machine with no cluster and no Docker: the real Kubernetes control",
      "plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler), the operator, and a",
      "node agent that plays the kubelet, running ModelForge's pods as local processes."
    },
    subcommands = {
      LocalCommand.Up.class,
      LocalCommand.DemoCommand.class,
      LocalCommand.Down.class,
      LocalCommand.Status.class,
      LocalCommand.Logs.class
    })
public final class LocalCommand implements Runnable {

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String STATE_FILE = "local.json";

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    dev.modelforge.runtime.cli.ModelForgeCommand.useJBossLogging();
    CommandLine cli = new CommandLine(new LocalCommand());
    cli.setExecutionExceptionHandler(
        (e, c, p) -> {
          c.getErr().println("modelforge local: " + e.getMessage());
          if (System.getenv("MODELFORGE_DEBUG") != null) {
            e.printStackTrace(c.getErr());
          }
          return 1;
        });
    System.exit(cli.execute(args));
  }

  /** Options every subcommand shares. */
  static class StateOption {
    @Option(
        names = "--state",
        description =
            "Folder for the cluster's data and logs (default: work/local in the checkout).")
    Path state;

    Path dir() {
      return (state != null ? state : Launcher.home().resolve("work/local")).toAbsolutePath();
    }
  }

  /** What a running cluster leaves in its state folder so the other subcommands find it. */
  record Running(long pid, String apiUrl, Path kubeconfig, String operatorHealth) {
    static Optional<Running> in(Path stateDir) {
      Path file = stateDir.resolve(STATE_FILE);
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      try {
        JsonNode n = JSON.readTree(file.toFile());
        Running r =
            new Running(
                n.path("pid").asLong(),
                n.path("apiUrl").asText(),
                Path.of(n.path("kubeconfig").asText()),
                n.path("operatorHealth").asText(""));
        return ProcessHandle.of(r.pid()).filter(ProcessHandle::isAlive).map(h -> r);
      } catch (IOException e) {
        return Optional.empty();
      }
    }

    KubernetesClient client() throws IOException {
      return new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
          .build();
    }
  }

  static void printUsage(PrintStream out, String apiUrl, Path kubeconfig) {
    out.println();
    out.println("The local cluster is up: API server " + apiUrl);
    out.println("  export KUBECONFIG=" + kubeconfig);
    out.println("  kubectl get models,finetuningjobs,inferenceservices");
    out.println(
        "  kubectl apply -f config/samples/model.yaml   (sources must be reachable from here)");
    out.println("  bin/modelforge local status | down");
  }

  /** Starts everything and waits until interrupted or {@code local down}. */
  static void runForeground(Path stateDir, PrintStream out)
      throws IOException, InterruptedException {
    Optional<Running> already = Running.in(stateDir);
    if (already.isPresent()) {
      throw new IllegalStateException(
          "a local cluster already runs from "
              + stateDir
              + " (pid "
              + already.get().pid()
              + "); stop it with: bin/modelforge local down");
    }
    // Each run starts with a fresh etcd, so what an earlier run left on disk is orphaned.
    LocalPod.deleteTree(stateDir.resolve("volumes"));
    LocalPod.deleteTree(stateDir.resolve("pods"));
    Files.createDirectories(stateDir);
    LocalCluster cluster = LocalCluster.start(stateDir, line -> out.println("[local] " + line));
    Path stateFile = stateDir.resolve(STATE_FILE);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("[local] stopping the operator, the pods and the control plane");
                  cluster.close();
                  try {
                    Files.deleteIfExists(stateFile);
                  } catch (IOException ignored) {
                    // the next `up` sees a dead pid and starts anyway
                  }
                  stopped.countDown();
                }));
    Files.writeString(
        stateFile,
        JSON.writeValueAsString(
            Map.of(
                "pid", ProcessHandle.current().pid(),
                "apiUrl", cluster.apiUrl(),
                "kubeconfig", cluster.kubeconfig().toString(),
                "operatorHealth", cluster.operatorHealthUrl().orElse(""))));
    printUsage(out, cluster.apiUrl(), cluster.kubeconfig());
    out.flush();
    stopped.await();
  }

  /** Starts {@code local up} as a background process and returns once it is ready. */
  static Running startDetached(Path stateDir, PrintStream out)
      throws IOException, InterruptedException {
    Files.createDirectories(stateDir.resolve("logs"));
    Files.deleteIfExists(stateDir.resolve(STATE_FILE));
    Path log = stateDir.resolve("logs/local.log");
    ProcessBuilder pb =
        new ProcessBuilder(
            Launcher.find().toString(), "local", "up", "--state", stateDir.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    out.println("starting the local cluster in the background (log " + log + ")");
    // A first start may build the control-plane binaries (minutes; e2e/control-plane/build.sh).
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Running> r = Running.in(stateDir);
      if (r.isPresent()) {
        return r.get();
      }
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "the local cluster stopped while starting; see " + log + ":\n" + Files.readString(log));
      }
      Thread.sleep(300);
    }
    p.destroy();
    throw new IllegalStateException(
        "the local cluster did not start within 30 minutes; see " + log);
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description =
          "Start the control plane, the node agent and the operator; print the kubeconfig.")
  static final class Up implements Callable<Integer> {
    @CommandLine.Mixin StateOption state = new StateOption();

    @Option(names = "--detach", description = "Run in the background and return once it is up.")
    boolean detach;

    @Override
    public Integer call() throws Exception {
      if (detach) {
        Running r = startDetached(state.dir(), System.out);
        printUsage(System.out, r.apiUrl(), r.kubeconfig());
        return 0;
      }
      runForeground(state.dir(), System.out);
      return 0;
    }
  }

  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Stop the local cluster that `up` or `demo --keep` left running.")
  static final class Down implements Callable<Integer> {
    @CommandLine.Mixin StateOption state = new StateOption();

    @Override
    public Integer call() throws Exception {
      Optional<Running> r = Running.in(state.dir());
      if (r.isEmpty()) {
        System.out.println("no local cluster runs from " + state.dir());
        return 0;
      }
      ProcessHandle h = ProcessHandle.of(r.get().pid()).orElseThrow();
      h.destroy();
      h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
      System.out.println("stopped the local cluster (pid " + r.get().pid() + ")");
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Whether the local cluster is healthy (API server, node, operator) and its Models,",
        "FineTuningJobs and InferenceServices. Exit code 0 healthy, 1 unhealthy, 3 not running."
      })
  static final class Status implements Callable<Integer> {
    @CommandLine.Mixin StateOption state = new StateOption();

    @Override
    public Integer call() throws Exception {
      Optional<Running> r = Running.in(state.dir());
      if (r.isEmpty()) {
        System.out.println(
            "no local cluster runs from "
                + state.dir()
                + "; start one with: bin/modelforge local up");
        return 3;
      }
      System.out.println(
          "local cluster: pid " + r.get().pid() + ", API server " + r.get().apiUrl());
      System.out.println("  export KUBECONFIG=" + r.get().kubeconfig());
      boolean healthy = true;
      try (KubernetesClient client = r.get().client()) {
        String readyz = client.raw("/readyz");
        boolean apiReady = "ok".equals(readyz == null ? null : readyz.strip());
        healthy &= report("API server", apiReady, apiReady ? "ready" : "/readyz: " + readyz);
        var node = client.nodes().withName(NodeAgent.NODE_NAME).get();
        boolean nodeReady =
            node != null
                && node.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        var lease =
            client.leases().inNamespace("kube-node-lease").withName(NodeAgent.NODE_NAME).get();
        long leaseAge =
            lease == null || lease.getSpec().getRenewTime() == null
                ? Long.MAX_VALUE
                : java.time.Duration.between(
                        lease.getSpec().getRenewTime().toInstant(), java.time.Instant.now())
                    .toSeconds();
        healthy &=
            report(
                "node " + NodeAgent.NODE_NAME,
                nodeReady && leaseAge < 40,
                (nodeReady ? "Ready" : "not Ready") + ", lease renewed " + leaseAge + " s ago");
        healthy &= report("operator", operatorHealthy(r.get()), r.get().operatorHealth());
        for (var kind :
            List.of(
                Demo.crd("Model", "models"),
                Demo.crd("FineTuningJob", "finetuningjobs"),
                Demo.crd("InferenceService", "inferenceservices"))) {
          for (GenericKubernetesResource res :
              client.genericKubernetesResources(kind).inAnyNamespace().list().getItems()) {
            JsonNode status = JSON.valueToTree(res.getAdditionalProperties()).path("status");
            System.out.printf(
                "  %-17s %-24s %-10s %s%n",
                kind.getKind(),
                res.getMetadata().getNamespace() + "/" + res.getMetadata().getName(),
                status.path("phase").asText("-"),
                status.path("url").asText(status.path("progress").asText("")));
          }
        }
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        healthy &= report("API server", false, e.getMessage());
      }
      return healthy ? 0 : 1;
    }

    private static boolean report(String what, boolean ok, String detail) {
      System.out.printf("  %-26s %-5s %s%n", what, ok ? "OK" : "DOWN", detail);
      return ok;
    }

    private static boolean operatorHealthy(Running r) {
      if (r.operatorHealth().isEmpty()) {
        return false;
      }
      try (var http = java.net.http.HttpClient.newHttpClient()) {
        var response =
            http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(r.operatorHealth()))
                    .timeout(java.time.Duration.ofSeconds(5))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = {
        "A pod's output, as `kubectl logs` shows it on a cluster (the node agent serves no kubelet",
        "API, so kubectl logs cannot reach it)."
      })
  static final class Logs implements Callable<Integer> {
    @CommandLine.Mixin StateOption state = new StateOption();

    @CommandLine.Parameters(index = "0", description = "The pod's name.")
    String pod;

    @Option(
        names = {"-n", "--namespace"},
        defaultValue = LocalCluster.WORKLOAD_NAMESPACE,
        description = "The pod's namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Override
    public Integer call() throws Exception {
      Path log = state.dir().resolve("pods").resolve(namespace).resolve(pod).resolve("log");
      if (!Files.isRegularFile(log)) {
        System.err.println(
            "no log for pod " + namespace + "/" + pod + " under " + state.dir().resolve("pods"));
        return 1;
      }
      try (var in = Files.newInputStream(log)) {
        in.transferTo(System.out);
      }
      return 0;
    }
  }

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = {
        "The whole life cycle in front of you: make a tiny model, fetch it, pretrain it a little,",
        "fine-tune a LoRA adapter that teaches it arithmetic, serve both, and compare their answers."
      })
  static final class DemoCommand implements Callable<Integer> {
    @CommandLine.Mixin StateOption state = new StateOption();

    @Option(names = "--keep", description = "Leave the cluster and the server running afterwards.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
      Path dir = state.dir();
      Optional<Running> running = Running.in(dir);
      if (running.isEmpty() && keep) {
        running = Optional.of(startDetached(dir, System.out));
      }
      if (running.isPresent()) {
        try (KubernetesClient client = running.get().client()) {
          Demo.Result result = new Demo(client, System.out, ServiceAccess.localProxy()).run();
          System.out.println();
          System.out.println("The cluster keeps running. OpenAI endpoint: " + result.url() + "/v1");
          printUsage(System.out, running.get().apiUrl(), running.get().kubeconfig());
          return 0;
        }
      }
      LocalPod.deleteTree(dir.resolve("volumes"));
      LocalPod.deleteTree(dir.resolve("pods"));
      try (LocalCluster cluster = LocalCluster.start(dir, line -> log(dir, line))) {
        System.out.println(
            "local cluster up: API server "
                + cluster.apiUrl()
                + " (log "
                + dir.resolve("logs")
                + ")");
        new Demo(cluster.client(), System.out, ServiceAccess.localProxy()).run();
      }
      return 0;
    }

    /** The node agent's lines go to a log so the demo's own output stays readable. */
    private static synchronized void log(Path dir, String line) {
      try {
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(
            dir.resolve("logs/node-agent.log"),
            line + "\n",
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException ignored) {
        // a lost log line never stops the demo
      }
    }
  }
}
