package dev.modelforge.operator.api.v1alpha1;

/** Where a FineTuningJob is in its life. */
public enum FineTuningPhase {
  /** Waiting for the base Model or for the training pod to start. */
  Pending,
  /** The trainer is running. */
  Running,
  /** Training finished and the output Model exists. Terminal. */
  Succeeded,
  /** Training failed for good or the spec is invalid. Terminal. */
  Failed
}
