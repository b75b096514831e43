package dev.modelforge.operator.api.v1alpha1;

/** Where an InferenceService is in its life. */
public enum ServingPhase {
  /** Waiting for the Model and adapters to be Ready. */
  Pending,
  /** The Deployment is rolling out. */
  Deploying,
  /** At least one replica serves the expected model. */
  Ready,
  /** Serving stopped working, or the spec is invalid; the Degraded condition says why. */
  Failed
}
