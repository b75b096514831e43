package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The local cluster's volume provisioner: for each pending PersistentVolumeClaim it creates a
 * hostPath PersistentVolume on a folder of its own under the state folder, claimed for that claim,
 * which the controller manager's PV controller then binds; a volume whose claim is gone (Released)
 * is deleted with its folder, as a dynamically provisioned volume with reclaim policy Delete.
 */
final class LocalVolumes {
  static final String LABEL = "modelforge.dev/local-volume";

  private final KubernetesClient client;
  private final Path stateDir;
  private final Consumer<String> log;

  LocalVolumes(KubernetesClient client, Path stateDir, Consumer<String> log) {
    this.client = client;
    this.stateDir = stateDir;
    this.log = log;
  }

  /** Where a claim's data lives: named after the claim and its uid, so a new claim starts empty. */
  Path folder(String namespace, String claim, String uid) {
    return stateDir
        .resolve("volumes")
        .resolve(namespace)
        .resolve(claim + "-" + uid.substring(0, 8));
  }

  void sync() {
    for (PersistentVolumeClaim claim :
        client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
      boolean pending = claim.getStatus() == null || "Pending".equals(claim.getStatus().getPhase());
      if (pending && claim.getSpec().getVolumeName() == null) {
        provision(claim);
      }
    }
    for (PersistentVolume volume : client.persistentVolumes().withLabel(LABEL).list().getItems()) {
      if (volume.getStatus() != null && "Released".equals(volume.getStatus().getPhase())) {
        release(volume);
      }
    }
  }

  private void provision(PersistentVolumeClaim claim) {
    String name = "pvc-" + claim.getMetadata().getUid();
    if (client.persistentVolumes().withName(name).get() != null) {
      return; // made already; the PV controller binds it
    }
    String ns = claim.getMetadata().getNamespace();
    Path folder = folder(ns, claim.getMetadata().getName(), claim.getMetadata().getUid());
    Map<String, Quantity> requests =
        claim.getSpec().getResources() == null
            ? null
            : claim.getSpec().getResources().getRequests();
    Quantity size = requests == null ? null : requests.get("storage");
    PersistentVolume volume =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels(LABEL, "true")
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", size == null ? new Quantity("1Gi") : size))
            .withAccessModes(claim.getSpec().getAccessModes())
            .withVolumeMode(claim.getSpec().getVolumeMode())
            .withStorageClassName(claim.getSpec().getStorageClassName())
            .withPersistentVolumeReclaimPolicy("Retain")
            .withNewHostPath()
            .withPath(folder.toAbsolutePath().toString())
            .withType("DirectoryOrCreate")
            .endHostPath()
            .withNewClaimRef()
            .withApiVersion("v1")
            .withKind("PersistentVolumeClaim")
            .withNamespace(ns)
            .withName(claim.getMetadata().getName())
            .withUid(claim.getMetadata().getUid())
            .endClaimRef()
            .endSpec()
            .build();
    try {
      Files.createDirectories(folder);
      client.persistentVolumes().resource(volume).create();
      log.accept(
          "volume "
              + name
              + " for claim "
              + ns
              + "/"
              + claim.getMetadata().getName()
              + " at "
              + folder);
    } catch (IOException | KubernetesClientException e) {
      log.accept(
          "volume for claim " + ns + "/" + claim.getMetadata().getName() + ": " + e.getMessage());
    }
  }

  private void release(PersistentVolume volume) {
    try {
      LocalPod.deleteTree(Path.of(volume.getSpec().getHostPath().getPath()));
      client.persistentVolumes().resource(volume).delete();
      log.accept("volume " + volume.getMetadata().getName() + " released: deleted with its data");
    } catch (IOException | KubernetesClientException e) {
      log.accept("volume " + volume.getMetadata().getName() + ": " + e.getMessage());
    }
  }
}
