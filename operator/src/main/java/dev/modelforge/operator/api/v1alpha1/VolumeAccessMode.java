package dev.modelforge.operator.api.v1alpha1;

/**
 * How a Model's volume may be mounted, as its PersistentVolumeClaim asks for it. The fetch pod
 * writes it, so read-only modes are not offered.
 */
public enum VolumeAccessMode {
  /** One node at a time: every pod that mounts it must run on that node. */
  ReadWriteOnce,
  /** One pod at a time, cluster-wide. */
  ReadWriteOncePod,
  /** Any number of pods on any nodes; needs a StorageClass that supports it (NFS, CephFS, ...). */
  ReadWriteMany;

  /** Whether pods on different nodes can mount it at the same time. */
  public boolean sharedAcrossNodes() {
    return this == ReadWriteMany;
  }
}
