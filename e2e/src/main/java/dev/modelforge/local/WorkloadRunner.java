package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.PortStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
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
 * The kubelet, Job and Deployment controllers, kube-proxy and the garbage collector of the local
 * cluster, for ModelForge's workloads only. Every half second it compares the API server's Jobs,
 * Deployments and Services with the processes it runs and closes the gap: Jobs run their pod to
 * completion, retried up to {@code backoffLimit}; Deployments keep {@code replicas} processes of
 * the current template, ready when the readiness probe answers; each Service gets a localhost port
 * (published as {@code status.loadBalancer.ingress[0]}) that forwards to ready replicas; objects
 * whose owners are gone are deleted. Limits: one container per pod, no Pod objects, no resource
 * limits or scheduling, only the ModelForge runtime command runs (docs: e2e/README.md).
 */
public final class WorkloadRunner implements AutoCloseable {

  private static final long GRACE_MILLIS = 10_000;
  private static final int DEFAULT_BACKOFF_LIMIT = 6;

  private final KubernetesClient client;
  private final LocalPod.Host host;
  private final Consumer<String> log;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "workload-runner");
            t.setDaemon(true);
            return t;
          });

  private final Map<String, JobRun> jobs = new HashMap<>();
  private final Map<String, DeploymentRun> deployments = new HashMap<>();
  private final Map<String, ServiceProxy> proxies = new ConcurrentHashMap<>();
  private final Map<String, Integer> servicePorts = new ConcurrentHashMap<>();
  private int podCounter;

  /**
   * @param stateDir where claims' data, pods' folders and logs live
   * @param launcher the local {@code bin/modelforge}
   * @param runtimeCommand the command the operator puts in pod templates for the runtime image
   * @param kubeconfig handed to the pods, whose progress reports go to this API server
   */
  public WorkloadRunner(
      KubernetesClient client,
      Path stateDir,
      Path launcher,
      String runtimeCommand,
      Path kubeconfig,
      Consumer<String> log) {
    this.client = client;
    this.host = new LocalPod.Host(client, stateDir, launcher, runtimeCommand, kubeconfig);
    this.log = log;
  }

  public WorkloadRunner start() {
    loop.scheduleWithFixedDelay(this::tickQuietly, 0, 500, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The localhost port of a Service's first port, once the runner has seen the Service. */
  public Optional<Integer> servicePort(String namespace, String name) {
    return Optional.ofNullable(servicePorts.get(namespace + "/" + name));
  }

  /** Where a claim's data lives on this machine. */
  public Path claimFolder(String namespace, String claim) {
    return LocalPod.claimFolder(host.stateDir(), namespace, claim);
  }

  /** The pods now running for a Job, by name (tests kill them to simulate a lost node). */
  public synchronized Optional<ProcessHandle> jobProcess(String namespace, String job) {
    for (JobRun run : jobs.values()) {
      if (run.namespace.equals(namespace) && run.name.equals(job) && run.pod != null) {
        return Optional.of(run.pod.handle());
      }
    }
    return Optional.empty();
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.accept("workload runner: " + e.getMessage());
    }
  }

  synchronized void tick() {
    syncJobs();
    syncDeployments();
    syncServices();
    syncClaims();
    collectGarbage();
  }

  // ---- Jobs ----------------------------------------------------------------------------------

  private static final class JobRun {
    final String namespace;
    final String name;
    LocalPod pod;
    int failed;
    boolean done;

    /** Finished before this runner saw it: its status is history, not ours to write. */
    boolean foreign;

    long nextStart;
    String startTime;
    String completionTime;
    int succeeded;
    final List<JobCondition> conditions = new ArrayList<>();

    JobRun(String namespace, String name) {
      this.namespace = namespace;
      this.name = name;
    }
  }

  private void syncJobs() {
    Set<String> seen = new HashSet<>();
    for (Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
      String uid = job.getMetadata().getUid();
      seen.add(uid);
      JobRun run = jobs.get(uid);
      if (run == null) {
        run = new JobRun(job.getMetadata().getNamespace(), job.getMetadata().getName());
        run.done = finished(job);
        run.foreign = run.done;
        jobs.put(uid, run);
      }
      if (!run.foreign) {
        advance(job, run);
      }
    }
    for (var it = jobs.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!seen.contains(e.getKey())) {
        if (e.getValue().pod != null) {
          log.accept(
              "job "
                  + e.getValue().namespace
                  + "/"
                  + e.getValue().name
                  + " deleted: stopping its pod");
          e.getValue().pod.stop(GRACE_MILLIS);
        }
        it.remove();
      }
    }
  }

  private static boolean finished(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    "True".equals(c.getStatus())
                        && (c.getType().equals("Complete") || c.getType().equals("Failed")));
  }

  private void advance(Job job, JobRun run) {
    String where = run.namespace + "/" + run.name;
    int backoffLimit =
        job.getSpec().getBackoffLimit() == null
            ? DEFAULT_BACKOFF_LIMIT
            : job.getSpec().getBackoffLimit();
    List<JobCondition> conditions = run.conditions;
    if (run.pod != null && !run.pod.alive()) {
      int code = run.pod.exitCode();
      if (code == 0) {
        run.succeeded = 1;
        run.done = true;
        run.completionTime = now();
        conditions.add(
            condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                "Reached expected number of succeeded pods"));
        conditions.add(
            condition(
                "Complete", "CompletionsReached", "Reached expected number of succeeded pods"));
        log.accept("job " + where + ": pod " + run.pod.name() + " succeeded");
      } else {
        run.failed++;
        String last = run.pod.tail(1);
        log.accept(
            "job " + where + ": pod " + run.pod.name() + " failed (exit " + code + "): " + last);
        if (run.failed > backoffLimit) {
          run.done = true;
          String message = "Job has reached the specified backoff limit; last pod: " + last;
          conditions.add(condition("FailureTarget", "BackoffLimitExceeded", message));
          conditions.add(condition("Failed", "BackoffLimitExceeded", message));
        } else {
          run.nextStart = System.currentTimeMillis() + Math.min(10_000L, 1000L << (run.failed - 1));
        }
      }
      run.pod = null;
    }
    if (!run.done && run.pod == null && System.currentTimeMillis() >= run.nextStart) {
      String podName = run.name + "-" + Integer.toString(++podCounter, 36);
      try {
        run.pod = LocalPod.start(host, run.namespace, podName, job.getSpec().getTemplate());
        if (run.startTime == null) {
          run.startTime = now();
        }
        log.accept("job " + where + ": started pod " + podName + " (log " + run.pod.log() + ")");
      } catch (IOException | RuntimeException e) {
        // As a pod stuck in ContainerCreating: try again, the missing object may appear.
        log.accept("job " + where + ": cannot start a pod yet: " + e.getMessage());
        run.nextStart = System.currentTimeMillis() + 2000;
      }
    }
    JobStatus status =
        new JobStatusBuilder()
            .withStartTime(run.startTime)
            .withActive(run.pod != null ? 1 : null)
            .withSucceeded(run.succeeded > 0 ? run.succeeded : null)
            .withFailed(run.failed > 0 ? run.failed : null)
            .withCompletionTime(run.completionTime)
            .withConditions(conditions.isEmpty() ? null : conditions)
            .withReady(run.pod != null ? 1 : 0)
            .build();
    if (!sameStatus(job.getStatus(), status)) {
      job.setStatus(status);
      updateStatus(
          () -> client.batch().v1().jobs().inNamespace(run.namespace).resource(job).updateStatus());
    }
  }

  private static JobCondition condition(String type, String reason, String message) {
    String t = now();
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastProbeTime(t)
        .withLastTransitionTime(t)
        .build();
  }

  // ---- Deployments ---------------------------------------------------------------------------

  private static final class DeploymentRun {
    final String namespace;
    final String name;
    final List<LocalPod> replicas = new ArrayList<>();
    Map<String, String> podLabels = Map.of();
    String templateHash;
    long notReadySince = System.currentTimeMillis();
    long nextStart;
    int restarts;
    String lastCrash;

    DeploymentRun(String namespace, String name) {
      this.namespace = namespace;
      this.name = name;
    }
  }

  private void syncDeployments() {
    Set<String> seen = new HashSet<>();
    for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
      String uid = d.getMetadata().getUid();
      seen.add(uid);
      DeploymentRun run =
          deployments.computeIfAbsent(
              uid,
              k -> new DeploymentRun(d.getMetadata().getNamespace(), d.getMetadata().getName()));
      advance(d, run);
    }
    for (var it = deployments.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!seen.contains(e.getKey())) {
        log.accept(
            "deployment "
                + e.getValue().namespace
                + "/"
                + e.getValue().name
                + " deleted: stopping its pods");
        e.getValue().replicas.forEach(p -> p.stop(GRACE_MILLIS));
        it.remove();
      }
    }
  }

  private void advance(Deployment d, DeploymentRun run) {
    String where = run.namespace + "/" + run.name;
    String hash = Integer.toHexString(Serialization.asJson(d.getSpec().getTemplate()).hashCode());
    if (!hash.equals(run.templateHash)) {
      if (run.templateHash != null) {
        log.accept("deployment " + where + ": new pod template, replacing its pods");
      }
      run.replicas.forEach(p -> p.stop(GRACE_MILLIS));
      run.replicas.clear();
      run.templateHash = hash;
      run.notReadySince = System.currentTimeMillis();
      run.restarts = 0;
      run.lastCrash = null;
    }
    Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
    run.podLabels = labels == null ? Map.of() : labels;
    for (var it = run.replicas.iterator(); it.hasNext(); ) {
      LocalPod p = it.next();
      if (!p.alive()) {
        run.restarts++;
        run.lastCrash = p.tail(3);
        log.accept(
            "deployment "
                + where
                + ": pod "
                + p.name()
                + " exited ("
                + p.exitCode()
                + "): "
                + p.tail(1));
        it.remove();
        run.nextStart =
            System.currentTimeMillis() + Math.min(10_000L, 1000L << Math.min(run.restarts, 4));
      }
    }
    int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    while (run.replicas.size() > desired) {
      run.replicas.removeLast().stop(GRACE_MILLIS);
    }
    while (run.replicas.size() < desired && System.currentTimeMillis() >= run.nextStart) {
      String podName = run.name + "-" + hash + "-" + Integer.toString(++podCounter, 36);
      try {
        LocalPod p = LocalPod.start(host, run.namespace, podName, d.getSpec().getTemplate());
        run.replicas.add(p);
        log.accept("deployment " + where + ": started pod " + podName + " (log " + p.log() + ")");
      } catch (IOException | RuntimeException e) {
        log.accept("deployment " + where + ": cannot start a pod yet: " + e.getMessage());
        run.nextStart = System.currentTimeMillis() + 2000;
        break;
      }
    }
    int ready = (int) run.replicas.stream().filter(LocalPod::ready).count();
    if (ready < desired) {
      run.notReadySince = Math.min(run.notReadySince, System.currentTimeMillis());
    } else {
      run.notReadySince = Long.MAX_VALUE;
    }
    int deadline =
        d.getSpec().getProgressDeadlineSeconds() == null
            ? 600
            : d.getSpec().getProgressDeadlineSeconds();
    boolean stalled =
        run.notReadySince != Long.MAX_VALUE
            && System.currentTimeMillis() - run.notReadySince > deadline * 1000L;
    List<DeploymentCondition> conditions = new ArrayList<>();
    conditions.add(
        deploymentCondition(
            "Available",
            ready >= desired,
            ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            ready >= desired
                ? "Deployment has minimum availability."
                : "Deployment does not have minimum availability."));
    if (stalled) {
      conditions.add(
          deploymentCondition(
              "Progressing",
              false,
              "ProgressDeadlineExceeded",
              "ReplicaSet has timed out progressing"
                  + (run.lastCrash == null ? "." : "; last crash: " + run.lastCrash)));
    } else {
      conditions.add(
          deploymentCondition(
              "Progressing",
              true,
              ready >= desired ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
              ready >= desired
                  ? "ReplicaSet has successfully progressed."
                  : "ReplicaSet is progressing."));
    }
    DeploymentStatus status =
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(run.replicas.size())
            .withUpdatedReplicas(run.replicas.size())
            .withReadyReplicas(ready)
            .withAvailableReplicas(ready)
            .withUnavailableReplicas(Math.max(0, desired - ready) > 0 ? desired - ready : null)
            .withConditions(conditions)
            .build();
    if (!sameStatus(d.getStatus(), status)) {
      d.setStatus(status);
      updateStatus(
          () -> client.apps().deployments().inNamespace(run.namespace).resource(d).updateStatus());
    }
  }

  private static DeploymentCondition deploymentCondition(
      String type, boolean status, String reason, String message) {
    return new DeploymentConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  // ---- Services ------------------------------------------------------------------------------

  private void syncServices() {
    Set<String> seen = new HashSet<>();
    for (Service s : client.services().inAnyNamespace().list().getItems()) {
      String ns = s.getMetadata().getNamespace();
      String key = ns + "/" + s.getMetadata().getName();
      List<ServicePort> ports = s.getSpec().getPorts();
      if (ports == null || ports.isEmpty()) {
        continue;
      }
      ServicePort port = ports.getFirst();
      String proxyKey = s.getMetadata().getUid();
      seen.add(proxyKey);
      ServiceProxy proxy =
          proxies.computeIfAbsent(
              proxyKey,
              k -> {
                try {
                  return new ServiceProxy(key);
                } catch (IOException e) {
                  throw new KubernetesClientException("cannot open a port for service " + key, e);
                }
              });
      servicePorts.put(key, proxy.port());
      proxy.backends(backends(ns, s.getSpec().getSelector(), port.getTargetPort(), port.getPort()));
      var lb =
          new LoadBalancerStatusBuilder()
              .addToIngress(
                  new LoadBalancerIngressBuilder()
                      .withIp("127.0.0.1")
                      .withPorts(
                          new PortStatusBuilder()
                              .withPort(proxy.port())
                              .withProtocol("TCP")
                              .build())
                      .build())
              .build();
      if (s.getStatus() == null || !Objects.equals(s.getStatus().getLoadBalancer(), lb)) {
        s.setStatus(
            new io.fabric8.kubernetes.api.model.ServiceStatusBuilder()
                .withLoadBalancer(lb)
                .build());
        updateStatus(() -> client.services().inNamespace(ns).resource(s).updateStatus());
        log.accept("service " + key + ": http://127.0.0.1:" + proxy.port());
      }
    }
    for (var it = proxies.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!seen.contains(e.getKey())) {
        e.getValue().close();
        it.remove();
        servicePorts.values().remove(e.getValue().port());
      }
    }
  }

  private List<Integer> backends(
      String namespace, Map<String, String> selector, IntOrString targetPort, Integer port) {
    if (selector == null || selector.isEmpty()) {
      return List.of();
    }
    Object target =
        targetPort == null
            ? port
            : targetPort.getIntVal() != null ? targetPort.getIntVal() : targetPort.getStrVal();
    List<Integer> out = new ArrayList<>();
    for (DeploymentRun run : deployments.values()) {
      if (run.namespace.equals(namespace)
          && run.podLabels.entrySet().containsAll(selector.entrySet())) {
        for (LocalPod p : run.replicas) {
          Integer local = p.localPort(target);
          if (local != null && p.ready()) {
            out.add(local);
          }
        }
      }
    }
    return out;
  }

  // ---- Claims and garbage --------------------------------------------------------------------

  /** Claims bind at once: their data is a folder under the state directory. */
  private void syncClaims() {
    for (PersistentVolumeClaim c :
        client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
      if (c.getStatus() == null || !"Bound".equals(c.getStatus().getPhase())) {
        c.setStatus(
            new PersistentVolumeClaimStatusBuilder()
                .withPhase("Bound")
                .withAccessModes(c.getSpec().getAccessModes())
                .withCapacity(
                    c.getSpec().getResources() == null
                        ? null
                        : c.getSpec().getResources().getRequests())
                .build());
        updateStatus(
            () ->
                client
                    .persistentVolumeClaims()
                    .inNamespace(c.getMetadata().getNamespace())
                    .resource(c)
                    .updateStatus());
      }
    }
  }

  /**
   * Deletes what lost its owner, as the garbage collector does with background propagation; a
   * deleted claim's folder goes with it (a dynamically provisioned volume with reclaim policy
   * Delete).
   */
  private void collectGarbage() {
    Map<String, Boolean> exists = new HashMap<>();
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.batch().v1().jobs().inAnyNamespace().list().getItems());
    all.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
    all.addAll(client.services().inAnyNamespace().list().getItems());
    all.addAll(client.configMaps().inAnyNamespace().list().getItems());
    all.addAll(client.persistentVolumeClaims().inAnyNamespace().list().getItems());
    for (HasMetadata o : all) {
      List<OwnerReference> owners = o.getMetadata().getOwnerReferences();
      if (owners == null || owners.isEmpty()) {
        continue;
      }
      String ns = o.getMetadata().getNamespace();
      boolean orphan =
          owners.stream()
              .noneMatch(
                  ref ->
                      exists.computeIfAbsent(ns + "/" + ref.getUid(), k -> ownerExists(ns, ref)));
      if (orphan) {
        log.accept(
            "garbage collector: deleting "
                + o.getKind()
                + " "
                + ns
                + "/"
                + o.getMetadata().getName()
                + " (its owner is gone)");
        try {
          client.resource(o).delete();
          if (o instanceof PersistentVolumeClaim) {
            LocalPod.deleteTree(claimFolder(ns, o.getMetadata().getName()));
          }
        } catch (KubernetesClientException | IOException e) {
          log.accept("garbage collector: " + e.getMessage());
        }
      }
    }
  }

  private boolean ownerExists(String namespace, OwnerReference ref) {
    String apiVersion = ref.getApiVersion();
    int slash = apiVersion.indexOf('/');
    ResourceDefinitionContext context =
        new ResourceDefinitionContext.Builder()
            .withGroup(slash < 0 ? "" : apiVersion.substring(0, slash))
            .withVersion(slash < 0 ? apiVersion : apiVersion.substring(slash + 1))
            .withKind(ref.getKind())
            .withPlural(ref.getKind().toLowerCase(java.util.Locale.ROOT) + "s")
            .withNamespaced(true)
            .build();
    try {
      GenericKubernetesResource owner =
          client
              .genericKubernetesResources(context)
              .inNamespace(namespace)
              .withName(ref.getName())
              .get();
      return owner != null && ref.getUid().equals(owner.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      return true; // unsure: keep the object
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private void updateStatus(Runnable update) {
    try {
      update.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        log.accept("workload runner: status update failed: " + e.getMessage());
      }
      // 409: the object changed since it was listed; the next pass writes the status again.
    }
  }

  /** Compares statuses without their timestamps, which every pass would otherwise change. */
  private static boolean sameStatus(Object current, Object wanted) {
    if (current == null) {
      return false;
    }
    return withoutTimes(Serialization.asJson(current))
        .equals(withoutTimes(Serialization.asJson(wanted)));
  }

  private static String withoutTimes(String json) {
    return json.replaceAll(
        "\"(lastProbeTime|lastTransitionTime|lastUpdateTime)\":\"[^\"]*\",?", "");
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Override
  public synchronized void close() {
    loop.shutdownNow();
    for (JobRun run : jobs.values()) {
      if (run.pod != null) {
        run.pod.stop(GRACE_MILLIS);
      }
    }
    for (DeploymentRun run : deployments.values()) {
      run.replicas.forEach(p -> p.stop(GRACE_MILLIS));
    }
    proxies.values().forEach(ServiceProxy::close);
    proxies.clear();
  }
}
