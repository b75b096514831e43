package dev.modelforge.operator.common;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.Optional;

/**
 * In-cluster sources (pvc://claim/path, configmap://name[/key]) reach a pod as volumes: the claim
 * or ConfigMap is mounted read-only at {@code /mnt/sources/<scheme>/<name>}, and the runtime
 * resolves the URI under {@link Mounts#SOURCES} (announced through {@link RuntimeEnv#SOURCE_ROOT}).
 * Remote sources (hf, https, s3) need no volume.
 */
public final class SourceVolumes {

  private SourceVolumes() {}

  /** A volume and where it is mounted; {@code name} is unique per URI scheme and object. */
  public record Mounted(Volume volume, VolumeMount mount) {}

  public static Optional<Mounted> forUri(String uri, String volumeName) {
    if (uri == null) {
      return Optional.empty();
    }
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd < 0) {
      return Optional.empty();
    }
    String scheme = uri.substring(0, schemeEnd);
    String rest = uri.substring(schemeEnd + 3);
    String object = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
    if (object.isEmpty()) {
      return Optional.empty();
    }
    var volume = new VolumeBuilder().withName(volumeName);
    switch (scheme) {
      case "pvc" ->
          volume
              .withNewPersistentVolumeClaim()
              .withClaimName(object)
              .withReadOnly(true)
              .endPersistentVolumeClaim();
      case "configmap" -> volume.withNewConfigMap().withName(object).endConfigMap();
      default -> {
        return Optional.empty();
      }
    }
    var mount =
        new VolumeMountBuilder()
            .withName(volumeName)
            .withMountPath(Mounts.SOURCES + "/" + scheme + "/" + object)
            .withReadOnly(true)
            .build();
    return Optional.of(new Mounted(volume.build(), mount));
  }
}
