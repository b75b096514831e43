package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Pod bound to the local node, run as a local process: the container runtime's part of the
 * kubelet, for ModelForge pods.
 *
 * <p>The pod gets a root folder in which every volume mount is a symbolic link to a local folder: a
 * PersistentVolumeClaim to its bound PersistentVolume's hostPath, a ConfigMap or Secret to a folder
 * holding one file per key, an emptyDir to a fresh folder. Absolute paths in the container's
 * arguments and environment are read inside that root, as the container would see them; the runtime
 * image's {@code modelforge} command is the local launcher. The pod has a loopback address of its
 * own (127.0.0.N, its podIP), so container ports stay as declared; {@code serve} is told to listen
 * there. Its ServiceAccount token (TokenRequest, bound to the pod) is in the usual folder and in
 * the kubeconfig the process is given, so it talks to the API server as its ServiceAccount.
 */
final class LocalPod {

  private final String name;
  private final Path podDir;
  private final Path root;
  private final Process process;
  private final String ip;
  private final Container container;
  private final long startedNanos = System.nanoTime();

  private LocalPod(
      String name, Path podDir, Path root, Process process, String ip, Container container) {
    this.name = name;
    this.podDir = podDir;
    this.root = root;
    this.process = process;
    this.ip = ip;
    this.container = container;
  }

  /** Where the pieces of a local pod come from. */
  record Host(KubernetesClient client, Path stateDir, Path launcher, String runtimeCommand) {}

  /** Who the pod is to the API server: its token, and where the server is. */
  record Identity(String token, String caCertFile, String apiHost, int apiPort) {}

  /**
   * Prepares the pod's folders and starts its (first) container at {@code ip}; {@code identity} is
   * null when the pod does not mount a ServiceAccount token.
   */
  static LocalPod start(Host host, Pod pod, String ip, Identity identity, int attempt)
      throws IOException {
    String namespace = pod.getMetadata().getNamespace();
    String podName = pod.getMetadata().getName();
    PodSpec spec = pod.getSpec();
    List<Container> containers = spec.getContainers();
    if (containers == null || containers.isEmpty()) {
      throw new IllegalArgumentException("pod " + podName + " has no container");
    }
    Container c = containers.getFirst();
    Path podDir = host.stateDir().resolve("pods").resolve(namespace).resolve(podName);
    if (attempt == 0) {
      deleteTree(podDir);
    }
    Path root = podDir.resolve("root");
    Files.createDirectories(root);

    Map<String, Path> volumes = new HashMap<>();
    for (Volume v : nullToEmpty(spec.getVolumes())) {
      volumes.put(v.getName(), volumeFolder(host, namespace, podDir, v));
    }
    for (VolumeMount m : nullToEmpty(c.getVolumeMounts())) {
      Path source = volumes.get(m.getName());
      if (source == null) {
        throw new IllegalArgumentException(
            "pod " + podName + " mounts volume " + m.getName() + ", which it does not declare");
      }
      if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
        source = source.resolve(m.getSubPath());
        Files.createDirectories(source);
      }
      Path link = inside(root, m.getMountPath());
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, source.toAbsolutePath());
    }

    List<String> command = new ArrayList<>();
    List<String> declared = new ArrayList<>(nullToEmpty(c.getCommand()));
    if (declared.isEmpty() || declared.getFirst().equals(host.runtimeCommand())) {
      command.add(host.launcher().toString());
      if (!declared.isEmpty()) {
        declared.removeFirst();
      }
    } else {
      throw new IllegalArgumentException(
          "pod "
              + podName
              + " runs "
              + declared.getFirst()
              + "; the local runner only runs the ModelForge runtime ("
              + host.runtimeCommand()
              + ")");
    }
    List<String> args = new ArrayList<>(declared);
    args.addAll(nullToEmpty(c.getArgs()));
    args.replaceAll(a -> rewrite(root, a));
    // In a pod the server listens on all of the pod's own interfaces; here that is its address.
    if (!args.isEmpty() && args.getFirst().equals("serve") && !args.contains("--host")) {
      args.addAll(1, List.of("--host", ip));
    }
    command.addAll(args);

    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    for (EnvFromSource from : nullToEmpty(c.getEnvFrom())) {
      env.putAll(envFrom(host.client(), namespace, from));
    }
    for (EnvVar e : nullToEmpty(c.getEnv())) {
      String value = envValue(host.client(), namespace, podName, ip, e);
      if (value != null) {
        env.put(e.getName(), rewrite(root, value));
      }
    }
    env.remove("KUBECONFIG");
    if (identity != null) {
      // The in-cluster environment, and the same credentials as a kubeconfig: the token folder
      // sits inside the pod's root, where a process on this machine does not look by itself.
      Path tokens = inside(root, SERVICE_ACCOUNT_DIR);
      Files.createDirectories(tokens);
      Files.writeString(tokens.resolve("token"), identity.token());
      Files.copy(
          Path.of(identity.caCertFile()),
          tokens.resolve("ca.crt"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(tokens.resolve("namespace"), namespace);
      env.put("KUBERNETES_SERVICE_HOST", identity.apiHost());
      env.put("KUBERNETES_SERVICE_PORT", Integer.toString(identity.apiPort()));
      Path kubeconfig =
          Kubeconfig.write(
              podDir.resolve("kubeconfig"),
              "https://" + identity.apiHost() + ":" + identity.apiPort(),
              tokens.resolve("ca.crt").toString(),
              identity.token(),
              namespace);
      env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    }
    env.put("HOSTNAME", podName);
    env.putIfAbsent("POD_NAMESPACE", namespace);
    // In a container the JVM sizes its heap from the cgroup's memory limit; a process here sees
    // the whole machine, so it is told the limit as a container would tell it
    Quantity memory =
        c.getResources() == null || c.getResources().getLimits() == null
            ? null
            : c.getResources().getLimits().get("memory");
    if (memory != null) {
      long bytes = Quantity.getAmountInBytes(memory).longValue();
      env.put(
          "MODELFORGE_JAVA_OPTS",
          (env.getOrDefault("MODELFORGE_JAVA_OPTS", "") + " -XX:MaxRAM=" + bytes).trim());
    }
    pb.directory(podDir.toFile());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(podDir.resolve("log").toFile()));
    Files.writeString(podDir.resolve("command"), String.join(" ", command) + "\n");
    return new LocalPod(podName, podDir, root, pb.start(), ip, c);
  }

  /** Where a pod's ServiceAccount token is mounted in a cluster. */
  static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  String name() {
    return name;
  }

  Path log() {
    return podDir.resolve("log");
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  boolean alive() {
    return process.isAlive();
  }

  int exitCode() {
    return process.exitValue();
  }

  double ageSeconds() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  String ip() {
    return ip;
  }

  /** A container port's number, by number or by name; null if the container has no such port. */
  Integer containerPort(Object port) {
    if (port instanceof Integer i) {
      return i;
    }
    for (ContainerPort p : nullToEmpty(container.getPorts())) {
      if (port != null && port.equals(p.getName())) {
        return p.getContainerPort();
      }
    }
    return null;
  }

  Container container() {
    return container;
  }

  /** The readiness probe's answer (an HTTP GET), or the process being up when there is none. */
  boolean ready() {
    if (!alive()) {
      return false;
    }
    if (container.getReadinessProbe() == null
        || container.getReadinessProbe().getHttpGet() == null) {
      return true;
    }
    HTTPGetAction get = container.getReadinessProbe().getHttpGet();
    Object port =
        get.getPort().getIntVal() != null ? get.getPort().getIntVal() : get.getPort().getStrVal();
    Integer target = containerPort(port);
    if (target == null) {
      return false;
    }
    try {
      HttpURLConnection http =
          (HttpURLConnection)
              URI.create("http://" + ip + ":" + target + get.getPath()).toURL().openConnection();
      http.setConnectTimeout(1000);
      http.setReadTimeout(2000);
      int code = http.getResponseCode();
      http.disconnect();
      return code >= 200 && code < 400;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops the process: SIGTERM, then SIGKILL after the grace period. */
  void stop(long graceMillis) {
    process.destroy();
    try {
      if (!process.waitFor(graceMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The last lines of the log, for a failed pod's condition message. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log(), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static Path volumeFolder(Host host, String namespace, Path podDir, Volume v)
      throws IOException {
    if (v.getPersistentVolumeClaim() != null) {
      String claimName = v.getPersistentVolumeClaim().getClaimName();
      PersistentVolumeClaim claim =
          host.client().persistentVolumeClaims().inNamespace(namespace).withName(claimName).get();
      PersistentVolume volume =
          claim == null || claim.getSpec().getVolumeName() == null
              ? null
              : host.client().persistentVolumes().withName(claim.getSpec().getVolumeName()).get();
      if (volume == null || volume.getSpec().getHostPath() == null) {
        // A pod waits for its claims to be bound, as it stays ContainerCreating in a cluster.
        throw new IllegalArgumentException(
            "PersistentVolumeClaim " + namespace + "/" + claimName + " is not bound to a volume");
      }
      Path folder = Path.of(volume.getSpec().getHostPath().getPath());
      Files.createDirectories(folder);
      return folder;
    }
    Path dir = podDir.resolve("volumes").resolve(v.getName());
    Files.createDirectories(dir);
    if (v.getConfigMap() != null) {
      ConfigMap cm =
          host.client()
              .configMaps()
              .inNamespace(namespace)
              .withName(v.getConfigMap().getName())
              .get();
      if (cm == null) {
        if (Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
          return dir;
        }
        throw new IllegalArgumentException(
            "ConfigMap " + namespace + "/" + v.getConfigMap().getName() + " does not exist");
      }
      Map<String, byte[]> data = new LinkedHashMap<>();
      if (cm.getData() != null) {
        cm.getData().forEach((k, s) -> data.put(k, s.getBytes(StandardCharsets.UTF_8)));
      }
      if (cm.getBinaryData() != null) {
        cm.getBinaryData().forEach((k, s) -> data.put(k, Base64.getDecoder().decode(s)));
      }
      writeKeys(dir, data, v.getConfigMap().getItems());
    } else if (v.getSecret() != null) {
      Secret s =
          host.client()
              .secrets()
              .inNamespace(namespace)
              .withName(v.getSecret().getSecretName())
              .get();
      if (s == null) {
        throw new IllegalArgumentException(
            "Secret " + namespace + "/" + v.getSecret().getSecretName() + " does not exist");
      }
      Map<String, byte[]> data = new LinkedHashMap<>();
      if (s.getData() != null) {
        s.getData().forEach((k, b) -> data.put(k, Base64.getDecoder().decode(b)));
      }
      if (s.getStringData() != null) {
        s.getStringData().forEach((k, b) -> data.put(k, b.getBytes(StandardCharsets.UTF_8)));
      }
      writeKeys(dir, data, v.getSecret().getItems());
    }
    return dir;
  }

  private static void writeKeys(Path dir, Map<String, byte[]> data, List<KeyToPath> items)
      throws IOException {
    if (items == null || items.isEmpty()) {
      for (Map.Entry<String, byte[]> e : data.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
      return;
    }
    for (KeyToPath item : items) {
      byte[] bytes = data.get(item.getKey());
      if (bytes != null) {
        Path target = dir.resolve(item.getPath());
        Files.createDirectories(target.getParent());
        Files.write(target, bytes);
      }
    }
  }

  private static Map<String, String> envFrom(
      KubernetesClient client, String namespace, EnvFromSource from) {
    Map<String, String> out = new LinkedHashMap<>();
    String prefix = from.getPrefix() == null ? "" : from.getPrefix();
    if (from.getSecretRef() != null) {
      Secret s =
          client.secrets().inNamespace(namespace).withName(from.getSecretRef().getName()).get();
      if (s == null && !Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
        throw new IllegalArgumentException(
            "Secret " + namespace + "/" + from.getSecretRef().getName() + " does not exist");
      }
      if (s != null && s.getData() != null) {
        s.getData()
            .forEach(
                (k, v) ->
                    out.put(
                        prefix + k,
                        new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
      }
      if (s != null && s.getStringData() != null) {
        s.getStringData().forEach((k, v) -> out.put(prefix + k, v));
      }
    }
    if (from.getConfigMapRef() != null) {
      ConfigMap cm =
          client
              .configMaps()
              .inNamespace(namespace)
              .withName(from.getConfigMapRef().getName())
              .get();
      if (cm == null && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
        throw new IllegalArgumentException(
            "ConfigMap " + namespace + "/" + from.getConfigMapRef().getName() + " does not exist");
      }
      if (cm != null && cm.getData() != null) {
        cm.getData().forEach((k, v) -> out.put(prefix + k, v));
      }
    }
    return out;
  }

  private static String envValue(
      KubernetesClient client, String namespace, String podName, String ip, EnvVar e) {
    if (e.getValueFrom() == null) {
      return e.getValue() == null ? "" : e.getValue();
    }
    var from = e.getValueFrom();
    if (from.getFieldRef() != null) {
      return switch (from.getFieldRef().getFieldPath()) {
        case "metadata.namespace" -> namespace;
        case "metadata.name" -> podName;
        case "status.podIP" -> ip;
        case "status.hostIP" -> "127.0.0.1";
        default -> null;
      };
    }
    if (from.getSecretKeyRef() != null) {
      Secret s =
          client.secrets().inNamespace(namespace).withName(from.getSecretKeyRef().getName()).get();
      String v =
          s == null || s.getData() == null
              ? null
              : s.getData().get(from.getSecretKeyRef().getKey());
      return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }
    if (from.getConfigMapKeyRef() != null) {
      ConfigMap cm =
          client
              .configMaps()
              .inNamespace(namespace)
              .withName(from.getConfigMapKeyRef().getName())
              .get();
      return cm == null || cm.getData() == null
          ? null
          : cm.getData().get(from.getConfigMapKeyRef().getKey());
    }
    return null;
  }

  /**
   * An absolute path as the container sees it, made a path inside the pod's root; also the path
   * after '=' in {@code NAME=/path} and {@code --flag=/path}. Anything else is left alone.
   */
  static String rewrite(Path root, String value) {
    if (value.startsWith("/")) {
      return inside(root, value).toString();
    }
    int eq = value.indexOf('=');
    if (eq > 0
        && eq + 1 < value.length()
        && value.charAt(eq + 1) == '/'
        && !value.contains("://")) {
      return value.substring(0, eq + 1) + inside(root, value.substring(eq + 1));
    }
    return value;
  }

  private static Path inside(Path root, String absolute) {
    String relative = absolute.replaceFirst("^/+", "");
    return relative.isEmpty() ? root.toAbsolutePath() : root.toAbsolutePath().resolve(relative);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      // Links are deleted, never followed: a claim's data outlives the pod.
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
