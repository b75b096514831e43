package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * ModelForge's kubelet for the local cluster: it registers one Node (this machine's CPUs and
 * memory, {@code nvidia.com/gpu} when NVIDIA devices are present), keeps its Lease in {@code
 * kube-node-lease} renewed, and runs the Pods the scheduler binds to it as local processes ({@link
 * LocalPod}), each at a loopback address of its own, with a ServiceAccount token from TokenRequest.
 * It reports each Pod's phase, container states, restarts and readiness (from the readiness probe),
 * restarts containers as the restart policy says, and finishes a deleted Pod after its grace
 * period. Volumes are {@link LocalVolumes}; Services are {@link ServiceProxies}.
 */
final class NodeAgent implements AutoCloseable {

  static final String NODE_NAME = "modelforge-local";
  private static final Duration LEASE_RENEWAL = Duration.ofSeconds(10);
  private static final int LEASE_SECONDS = 40;
  private static final long MAX_GRACE_MILLIS = 30_000;

  private final ControlPlane controlPlane;
  private final KubernetesClient client;
  private final LocalPod.Host host;
  private final LocalVolumes volumes;
  private final ServiceProxies services;
  private final Consumer<String> log;
  private final String kubeletVersion;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "node-agent");
            t.setDaemon(true);
            return t;
          });

  private final Map<String, PodRun> pods = new ConcurrentHashMap<>();
  private final Set<Integer> addressesInUse = new HashSet<>();
  private long nextLeaseRenewal;
  private long nextNodeStatus;

  /** One Pod this agent runs: its current process, restarts, and what it last reported. */
  private static final class PodRun {
    final String namespace;
    final String name;
    final String ip;
    final String podIp;
    final int address;
    LocalPod process;
    int restarts;
    int attempts;
    long nextStart;
    String startTime;
    String startedAt;
    String waitingReason;
    String waitingMessage;
    ContainerState lastState;
    Integer exitCode;
    String finishedAt;
    boolean terminal;
    boolean ready;
    long nextProbe;
    volatile boolean stopping;

    PodRun(String namespace, String name, int address) {
      this.namespace = namespace;
      this.name = name;
      this.address = address;
      this.ip = PodNetwork.loopback(address);
      this.podIp = PodNetwork.podIp(address);
    }
  }

  NodeAgent(
      ControlPlane controlPlane,
      Path stateDir,
      Path launcher,
      String runtimeCommand,
      String kubeletVersion,
      Consumer<String> log) {
    this.controlPlane = controlPlane;
    this.client = controlPlane.admin();
    this.host = new LocalPod.Host(client, stateDir, launcher, runtimeCommand);
    this.volumes = new LocalVolumes(client, stateDir, log);
    this.services = new ServiceProxies(client, log);
    this.kubeletVersion = kubeletVersion;
    this.log = log;
  }

  NodeAgent start() {
    register();
    loop.scheduleWithFixedDelay(this::tickQuietly, 0, 500, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The localhost URL standing in for a Service's first port, once it has one. */
  Optional<String> serviceUrl(String namespace, String name) {
    return services.url(namespace, name);
  }

  /** The running process of a Job's current pod (tests kill it to simulate a lost node). */
  Optional<ProcessHandle> jobProcess(String namespace, String job) {
    for (Pod pod :
        client
            .pods()
            .inNamespace(namespace)
            .withLabel("batch.kubernetes.io/job-name", job)
            .list()
            .getItems()) {
      PodRun run = pods.get(pod.getMetadata().getUid());
      if (run != null && run.process != null && run.process.alive()) {
        return Optional.of(run.process.handle());
      }
    }
    return Optional.empty();
  }

  // ---- the Node and its Lease ----------------------------------------------------------------

  private void register() {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(NODE_NAME)
            .addToLabels("kubernetes.io/hostname", NODE_NAME)
            .addToLabels("kubernetes.io/os", "linux")
            .addToLabels("kubernetes.io/arch", arch())
            .addToLabels("modelforge.dev/local", "true")
            .endMetadata()
            .build();
    if (client.nodes().withName(NODE_NAME).get() == null) {
      client.nodes().resource(node).create();
    }
    reportNodeStatus();
    renewLease();
    log.accept("node " + NODE_NAME + " registered: " + describeCapacity());
  }

  /**
   * Writes the Node's status; the node lifecycle controller writes the same object (taints,
   * annotations), so a write that lost the race is read again and retried.
   */
  private void reportNodeStatus() {
    for (int attempt = 1; ; attempt++) {
      try {
        writeNodeStatus();
        nextNodeStatus = System.currentTimeMillis() + 60_000;
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private void writeNodeStatus() {
    Node node = client.nodes().withName(NODE_NAME).get();
    String now = now();
    Map<String, Quantity> capacity = capacity();
    node.setStatus(
        new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .withConditions(
                nodeCondition(
                    "Ready",
                    "True",
                    "KubeletReady",
                    "the ModelForge node agent runs pods as local processes",
                    now),
                nodeCondition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "the node agent does not measure memory pressure",
                    now),
                nodeCondition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "the node agent does not measure disk pressure",
                    now),
                nodeCondition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "the node agent does not measure process pressure",
                    now))
            .addNewAddress()
            .withType("InternalIP")
            .withAddress("127.0.0.1")
            .endAddress()
            .addNewAddress()
            .withType("Hostname")
            .withAddress(NODE_NAME)
            .endAddress()
            .withNewNodeInfo()
            .withKubeletVersion(kubeletVersion)
            .withKubeProxyVersion(kubeletVersion)
            .withOperatingSystem("linux")
            .withArchitecture(arch())
            .withOsImage(System.getProperty("os.name") + " " + System.getProperty("os.version"))
            .withKernelVersion(System.getProperty("os.version"))
            .withContainerRuntimeVersion("modelforge-local://" + kubeletVersion)
            .withMachineID("modelforge-local")
            .withSystemUUID("modelforge-local")
            .withBootID(Long.toString(ProcessHandle.current().pid()))
            .endNodeInfo()
            .build());
    client.nodes().resource(node).updateStatus();
  }

  private void renewLease() {
    var leases = client.leases().inNamespace("kube-node-lease");
    var lease =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(NODE_NAME)
            .withNamespace("kube-node-lease")
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(NODE_NAME)
            .withLeaseDurationSeconds(LEASE_SECONDS)
            .withRenewTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS))
            .endSpec()
            .build();
    var existing = leases.withName(NODE_NAME).get();
    if (existing == null) {
      leases.resource(lease).create();
    } else {
      existing.setSpec(lease.getSpec());
      leases.resource(existing).update();
    }
    nextLeaseRenewal = System.currentTimeMillis() + LEASE_RENEWAL.toMillis();
  }

  private static NodeCondition nodeCondition(
      String type, String status, String reason, String message, String now) {
    return new NodeConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastHeartbeatTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  private static Map<String, Quantity> capacity() {
    Map<String, Quantity> capacity = new HashMap<>();
    capacity.put("cpu", new Quantity(Integer.toString(Runtime.getRuntime().availableProcessors())));
    capacity.put("memory", new Quantity(memoryKib() + "Ki"));
    capacity.put("pods", new Quantity("110"));
    capacity.put("ephemeral-storage", new Quantity(diskKib() + "Ki"));
    int gpus = gpus();
    if (gpus > 0) {
      capacity.put("nvidia.com/gpu", new Quantity(Integer.toString(gpus)));
    }
    return capacity;
  }

  private static String describeCapacity() {
    var c = capacity();
    return c.get("cpu")
        + " CPUs, "
        + c.get("memory")
        + " memory"
        + (c.containsKey("nvidia.com/gpu") ? ", " + c.get("nvidia.com/gpu") + " GPUs" : "");
  }

  private static long memoryKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: fall back on what the JVM may use
    }
    return Runtime.getRuntime().maxMemory() / 1024;
  }

  private static long diskKib() {
    try {
      return Files.getFileStore(Path.of(".")).getTotalSpace() / 1024;
    } catch (IOException e) {
      return 0;
    }
  }

  /** NVIDIA devices as the device plugin counts them: /dev/nvidia0, /dev/nvidia1, ... */
  private static int gpus() {
    try (var devices = Files.list(Path.of("/dev"))) {
      return (int) devices.filter(d -> d.getFileName().toString().matches("nvidia\\d+")).count();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String arch() {
    String a = System.getProperty("os.arch");
    return a.equals("aarch64") ? "arm64" : a.equals("x86_64") ? "amd64" : a;
  }

  // ---- Pods ----------------------------------------------------------------------------------

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.accept("node agent: " + e.getMessage());
    }
  }

  synchronized void tick() {
    long now = System.currentTimeMillis();
    if (now >= nextLeaseRenewal) {
      renewLease();
    }
    if (now >= nextNodeStatus) {
      reportNodeStatus();
    }
    volumes.sync();
    syncPods();
    services.sync();
  }

  private void syncPods() {
    Set<String> seen = new HashSet<>();
    List<Pod> bound =
        client.pods().inAnyNamespace().withField("spec.nodeName", NODE_NAME).list().getItems();
    for (Pod pod : bound) {
      String uid = pod.getMetadata().getUid();
      seen.add(uid);
      PodRun run = pods.get(uid);
      if (run == null) {
        if (isTerminal(pod) && pod.getMetadata().getDeletionTimestamp() == null) {
          continue; // finished before this agent started: history, not ours to change
        }
        int address = allocateAddress();
        run = new PodRun(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), address);
        run.startTime = now();
        pods.put(uid, run);
      }
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        finish(pod, run);
      } else {
        advance(pod, run);
      }
    }
    for (var it = pods.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!seen.contains(e.getKey())) {
        PodRun run = e.getValue();
        if (run.process != null && run.process.alive()) {
          log.accept("pod " + run.namespace + "/" + run.name + " is gone: stopping its process");
          run.process.stop(0);
        }
        releaseAddress(run.address);
        it.remove();
      }
    }
  }

  private void advance(Pod pod, PodRun run) {
    String where = run.namespace + "/" + run.name;
    String restartPolicy =
        pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
    if (run.process != null && !run.process.alive()) {
      int code = run.process.exitCode();
      run.exitCode = code;
      run.finishedAt = now();
      run.lastState = terminated(code, run.startedAt, run.finishedAt);
      run.ready = false;
      log.accept("pod " + where + " exited (" + code + "): " + run.process.tail(1));
      run.process = null;
      boolean again =
          restartPolicy.equals("Always") || (restartPolicy.equals("OnFailure") && code != 0);
      if (again) {
        run.restarts++;
        run.waitingReason = "CrashLoopBackOff";
        run.waitingMessage = "back-off restarting the failed container";
        run.nextStart =
            System.currentTimeMillis() + Math.min(10_000L, 1000L << Math.min(run.restarts, 4));
      } else {
        run.terminal = true;
      }
    }
    if (!run.terminal && run.process == null && System.currentTimeMillis() >= run.nextStart) {
      try {
        run.process = LocalPod.start(host, pod, run.ip, identity(pod), run.attempts++);
        run.startedAt = now();
        run.waitingReason = null;
        run.waitingMessage = null;
        run.nextProbe = 0;
        log.accept(
            "pod "
                + where
                + " started at "
                + run.ip
                + " (podIP "
                + run.podIp
                + ", log "
                + run.process.log()
                + ")");
      } catch (IOException | RuntimeException e) {
        // As a pod stuck in ContainerCreating: the missing claim, ConfigMap or account may appear.
        run.waitingReason = run.restarts > 0 ? "CrashLoopBackOff" : "ContainerCreating";
        run.waitingMessage = e.getMessage();
        run.nextStart = System.currentTimeMillis() + 2000;
      }
    }
    if (run.process != null && System.currentTimeMillis() >= run.nextProbe) {
      boolean wasReady = run.ready;
      run.ready = run.process.ready();
      var probe = run.process.container().getReadinessProbe();
      long period =
          probe == null || probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
      // Until the first success the agent looks every second; then at the probe's own period.
      run.nextProbe =
          System.currentTimeMillis() + (run.ready ? Math.min(period, 10) * 1000L : 1000L);
      if (run.ready != wasReady) {
        log.accept("pod " + where + (run.ready ? " is ready" : " is not ready"));
      }
    }
    writeStatus(pod, run);
  }

  /** A deleted pod: its process gets SIGTERM and the grace period, then the object goes. */
  private void finish(Pod pod, PodRun run) {
    if (run.stopping) {
      return;
    }
    run.stopping = true;
    long grace =
        Math.min(
            MAX_GRACE_MILLIS,
            1000L
                * Objects.requireNonNullElse(
                    pod.getMetadata().getDeletionGracePeriodSeconds(), 30L));
    LocalPod process = run.process;
    Thread.ofVirtual()
        .start(
            () -> {
              if (process != null && process.alive()) {
                process.stop(grace);
              }
              try {
                client
                    .pods()
                    .inNamespace(run.namespace)
                    .withName(run.name)
                    .withGracePeriod(0)
                    .delete();
              } catch (KubernetesClientException e) {
                log.accept("pod " + run.namespace + "/" + run.name + ": " + e.getMessage());
              }
            });
  }

  private LocalPod.Identity identity(Pod pod) {
    if (Boolean.FALSE.equals(pod.getSpec().getAutomountServiceAccountToken())) {
      return null;
    }
    // kube-api-test's API server runs without the ServiceAccount admission plugin, which would
    // have written "default" into the pod; a token can be bound only to a pod that names it.
    String named = pod.getSpec().getServiceAccountName();
    String token =
        named == null || named.isEmpty()
            ? controlPlane.token(
                pod.getMetadata().getNamespace(), "default", null, null, Duration.ofHours(24))
            : controlPlane.token(
                pod.getMetadata().getNamespace(),
                named,
                pod.getMetadata().getName(),
                pod.getMetadata().getUid(),
                Duration.ofHours(24));
    return new LocalPod.Identity(
        token, controlPlane.caCertFile(), "127.0.0.1", controlPlane.port());
  }

  private void writeStatus(Pod pod, PodRun run) {
    PodStatus current = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    String phase;
    if (run.terminal) {
      phase = run.exitCode != null && run.exitCode == 0 ? "Succeeded" : "Failed";
    } else if (run.process != null || run.restarts > 0) {
      phase = "Running";
    } else {
      phase = "Pending";
    }
    boolean ready = run.process != null && run.ready;
    ContainerState state;
    if (run.process != null) {
      state =
          new ContainerStateBuilder()
              .withNewRunning()
              .withStartedAt(run.startedAt)
              .endRunning()
              .build();
    } else if (run.terminal) {
      state = run.lastState;
    } else {
      state =
          new ContainerStateBuilder()
              .withNewWaiting()
              .withReason(run.waitingReason == null ? "ContainerCreating" : run.waitingReason)
              .withMessage(run.waitingMessage)
              .endWaiting()
              .build();
    }
    var container = pod.getSpec().getContainers().getFirst();
    ContainerStatus containerStatus =
        new ContainerStatusBuilder()
            .withName(container.getName())
            .withImage(container.getImage())
            .withImageID("")
            .withContainerID(
                run.process == null ? null : "modelforge-local://" + run.process.handle().pid())
            .withReady(ready)
            .withStarted(run.process != null)
            .withRestartCount(run.restarts)
            .withState(state)
            .withLastState(run.terminal || run.lastState == null ? null : run.lastState)
            .build();
    List<PodCondition> conditions = new ArrayList<>();
    for (PodCondition c :
        current.getConditions() == null ? List.<PodCondition>of() : current.getConditions()) {
      if (!Set.of("Initialized", "Ready", "ContainersReady", "PodReadyToStartContainers")
          .contains(c.getType())) {
        conditions.add(c);
      }
    }
    conditions.add(podCondition(current, "PodReadyToStartContainers", "True", null));
    conditions.add(podCondition(current, "Initialized", "True", null));
    String notReady = run.terminal ? "PodCompleted" : "ContainersNotReady";
    conditions.add(
        podCondition(
            current, "ContainersReady", ready ? "True" : "False", ready ? null : notReady));
    conditions.add(
        podCondition(current, "Ready", ready ? "True" : "False", ready ? null : notReady));

    PodStatus wanted =
        new io.fabric8.kubernetes.api.model.PodStatusBuilder(current)
            .withPhase(phase)
            .withHostIP("127.0.0.1")
            .withHostIPs(
                new io.fabric8.kubernetes.api.model.HostIPBuilder().withIp("127.0.0.1").build())
            .withPodIP(run.podIp)
            .withPodIPs(new PodIP(run.podIp))
            .withStartTime(current.getStartTime() != null ? current.getStartTime() : run.startTime)
            .withConditions(conditions)
            .withContainerStatuses(containerStatus)
            .build();
    if (!sameStatus(current, wanted)) {
      pod.setStatus(wanted);
      try {
        client.pods().inNamespace(run.namespace).resource(pod).updateStatus();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          log.accept(
              "pod "
                  + run.namespace
                  + "/"
                  + run.name
                  + ": status update failed: "
                  + e.getMessage());
        }
        // 409: changed since listed; the next pass writes the status again.
      }
    }
  }

  /** A condition keeps its transition time while its status stays. */
  private static PodCondition podCondition(
      PodStatus current, String type, String status, String reason) {
    String since = now();
    if (current.getConditions() != null) {
      for (PodCondition c : current.getConditions()) {
        if (c.getType().equals(type) && c.getStatus().equals(status)) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withLastTransitionTime(since)
        .build();
  }

  private static ContainerState terminated(int code, String startedAt, String finishedAt) {
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(code)
        .withReason(code == 0 ? "Completed" : "Error")
        .withStartedAt(startedAt)
        .withFinishedAt(finishedAt)
        .endTerminated()
        .build();
  }

  private static boolean isTerminal(Pod pod) {
    return pod.getStatus() != null
        && ("Succeeded".equals(pod.getStatus().getPhase())
            || "Failed".equals(pod.getStatus().getPhase()));
  }

  private static boolean sameStatus(PodStatus current, PodStatus wanted) {
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(current)
        .equals(io.fabric8.kubernetes.client.utils.Serialization.asJson(wanted));
  }

  private synchronized int allocateAddress() {
    for (int a = 2; a < 255; a++) {
      if (addressesInUse.add(a)) {
        return a;
      }
    }
    throw new IllegalStateException("no loopback address left for another pod (253 in use)");
  }

  private synchronized void releaseAddress(int address) {
    addressesInUse.remove(address);
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Override
  public synchronized void close() {
    loop.shutdownNow();
    for (PodRun run : pods.values()) {
      if (run.process != null) {
        run.process.stop(10_000);
      }
    }
    services.close();
  }
}
