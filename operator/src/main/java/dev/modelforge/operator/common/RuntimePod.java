package dev.modelforge.operator.common;

import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pod every workload runs, built in one place: the runtime image's container running one of the
 * contract's command lines, with the restricted security context and its volumes mounted where the
 * contract's {@code Mounts} says, and the pod around it with the pull secrets and the pod security
 * context. Each workload adds only what is its own (a Job's restart policy, the server's probes).
 */
public final class RuntimePod {

  private final ModelForgeConfig config;
  private final List<Volume> volumes = new ArrayList<>();
  private final List<VolumeMount> mounts = new ArrayList<>();

  public RuntimePod(ModelForgeConfig config) {
    this.config = config;
  }

  /** A PersistentVolumeClaim at {@code path}, read-only in the volume and the mount if asked. */
  public RuntimePod claim(String volume, String claimName, String path, boolean readOnly) {
    return add(
        new VolumeBuilder()
            .withName(volume)
            .withNewPersistentVolumeClaim()
            .withClaimName(claimName)
            .withReadOnly(readOnly ? true : null)
            .endPersistentVolumeClaim()
            .build(),
        path,
        readOnly);
  }

  /** A ConfigMap's keys as files in {@code path}, read-only. */
  public RuntimePod configMap(String volume, String configMapName, String path) {
    return add(
        new VolumeBuilder()
            .withName(volume)
            .withNewConfigMap()
            .withName(configMapName)
            .endConfigMap()
            .build(),
        path,
        true);
  }

  /** A writable emptyDir at {@code path} (the root filesystem is read-only). */
  public RuntimePod emptyDir(String volume, String path) {
    return add(
        new VolumeBuilder().withName(volume).withNewEmptyDir().endEmptyDir().build(), path, false);
  }

  /** An in-cluster source's volume (pvc://, configmap://), if the URI names one. */
  public RuntimePod source(Optional<SourceVolumes.Mounted> source) {
    source.ifPresent(
        s -> {
          volumes.add(s.volume());
          mounts.add(s.mount());
        });
    return this;
  }

  private RuntimePod add(Volume volume, String path, boolean readOnly) {
    volumes.add(volume);
    mounts.add(
        new VolumeMountBuilder()
            .withName(volume.getName())
            .withMountPath(path)
            .withReadOnly(readOnly ? true : null)
            .build());
    return this;
  }

  /** The runtime image's container named {@code name} running {@code args}, with every mount. */
  public ContainerBuilder container(String name, List<String> args) {
    return new ContainerBuilder()
        .withName(name)
        .withImage(config.runtime().image())
        .withImagePullPolicy(config.runtime().pullPolicy())
        .withCommand(config.runtime().command())
        .withArgs(args)
        .withSecurityContext(RestrictedSecurity.container())
        .withVolumeMounts(List.copyOf(mounts));
  }

  /** The pod around {@code container}, with the pull secrets, security context and volumes. */
  public PodSpecBuilder pod(Container container) {
    return new PodSpecBuilder()
        .withImagePullSecrets(PullSecrets.of(config))
        .withSecurityContext(RestrictedSecurity.pod(config))
        .withContainers(container)
        .withVolumes(List.copyOf(volumes));
  }

  /** A Job's pod: run once by the workload ServiceAccount (fetch and train report progress). */
  public PodSpecBuilder jobPod(Container container) {
    return pod(container)
        .withRestartPolicy("Never")
        .withServiceAccountName(config.runtime().serviceAccount());
  }
}
