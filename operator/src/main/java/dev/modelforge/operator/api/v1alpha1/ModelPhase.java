package dev.modelforge.operator.api.v1alpha1;

/** Where a Model is in its life. */
public enum ModelPhase {
  /** Accepted; waiting for the volume, the fetch pod or the base model. */
  Pending,
  /** The fetch Job is downloading and verifying files. */
  Fetching,
  /** All files are on the volume and verified. */
  Ready,
  /** The fetch failed for good or the spec is invalid; the Degraded condition says why. */
  Failed
}
