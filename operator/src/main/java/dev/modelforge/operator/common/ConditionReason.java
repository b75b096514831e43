package dev.modelforge.operator.common;

/**
 * The closed set of reasons the operator writes on its status conditions (the {@code reason} field
 * is this name), so dashboards, alerts and {@code kubectl wait} scripts can rely on them, and
 * reconcilers decide on a reason by comparing enum constants, not strings.
 */
public enum ConditionReason {
  /** Nothing is wrong on this condition. */
  AsExpected,
  /** The spec breaks a rule the schema cannot check; the message names it. Terminal. */
  InvalidSpec,
  /** The reconcile itself failed (the API server refused a write, a read timed out); retried. */
  ReconcileError,
  /** The workload ServiceAccount the pods run as does not exist in the namespace. */
  ServiceAccountMissing,
  FetchPending,
  Fetching,
  Fetched,
  FetchFailed,
  WaitingForBaseModel,
  TrainingPending,
  Training,
  TrainingFailed,
  PublishingOutput,
  OutputModelConflict,
  Succeeded,
  WaitingForModels,
  AdapterMismatch,
  Deploying,
  Scaling,
  RolledOut,
  RolloutStalled,
  ScaledToZero,
  Serving,
  Shareable,
  AccessMode
}
