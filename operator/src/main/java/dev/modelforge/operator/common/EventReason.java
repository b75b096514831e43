package dev.modelforge.operator.common;

/**
 * The closed set of reasons on the Events the operator emits, one per lifecycle transition, so
 * dashboards and alerts can match on them.
 */
public enum EventReason {
  InvalidSpec(Type.Warning),
  /** The object could not be read by this operator version (see UnreadableResources). */
  Unreadable(Type.Warning),
  WaitingForDependency(Type.Normal),
  FetchStarted(Type.Normal),
  FetchSucceeded(Type.Normal),
  FetchFailed(Type.Warning),
  TrainingStarted(Type.Normal),
  TrainingSucceeded(Type.Normal),
  TrainingFailed(Type.Warning),
  OutputModelCreated(Type.Normal),
  Deploying(Type.Normal),
  ServingReady(Type.Normal),
  ServingFailed(Type.Warning);

  /** Kubernetes Event types. */
  public enum Type {
    Normal,
    Warning
  }

  private final Type type;

  EventReason(Type type) {
    this.type = type;
  }

  public Type type() {
    return type;
  }
}
