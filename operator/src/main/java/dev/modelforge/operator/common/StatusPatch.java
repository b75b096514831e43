package dev.modelforge.operator.common;

import dev.modelforge.operator.api.v1alpha1.CommonStatus;
import dev.modelforge.operator.api.v1alpha1.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one way the three reconcilers end: the status they built is compared with the stored one and
 * patched only when it differs, with one Event when the phase changes (each kind's phase→reason
 * map, {@code eventFor}); and when a reconcile throws, the error shows in status as {@code
 * Degraded=True, reason ReconcileError} (as Keycloak's operator does in {@code updateErrorStatus})
 * while the framework retries. The next reconcile that succeeds builds the status afresh, so the
 * condition clears itself.
 */
public final class StatusPatch {

  /** Kubernetes allows 32 KiB; a stack of causes is cut well before that. */
  static final int MAX_MESSAGE = 1024;

  private StatusPatch() {}

  public static <R extends CustomResource<?, S>, S extends CommonStatus> UpdateControl<R> apply(
      R resource,
      S built,
      Function<S, ? extends Enum<?>> phaseOf,
      Function<S, EventReason> eventFor,
      EventRecorder events) {
    S stored = resource.getStatus();
    if (!StatusChange.differs(stored, built)) {
      return UpdateControl.noUpdate();
    }
    if (stored == null || phaseOf.apply(stored) != phaseOf.apply(built)) {
      String message = built.condition(Condition.READY).map(Condition::getMessage).orElse("");
      events.record(resource, eventFor.apply(built), message);
    }
    resource.setStatus(built);
    return UpdateControl.patchStatus(resource);
  }

  /**
   * The Event for entering a failed phase: InvalidSpec when the Ready condition says the spec is at
   * fault, else the kind's own failure.
   */
  public static EventReason failure(CommonStatus status, EventReason otherwise) {
    boolean invalid =
        status
            .condition(Condition.READY)
            .map(c -> ConditionReason.InvalidSpec.name().equals(c.getReason()))
            .orElse(false);
    return invalid ? EventReason.InvalidSpec : otherwise;
  }

  /**
   * Marks {@code resource}'s status Degraded with what {@code error} says, keeping every other
   * field and condition as they were, and lets the framework retry.
   */
  public static <R extends CustomResource<?, S>, S extends CommonStatus>
      ErrorStatusUpdateControl<R> error(
          R resource, Exception error, Supplier<S> newStatus, Clock clock) {
    S status = resource.getStatus() == null ? newStatus.get() : resource.getStatus();
    List<Condition> conditions =
        new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
    String message = "The last reconcile failed: " + describe(error);
    Condition before =
        conditions.stream()
            .filter(c -> Condition.DEGRADED.equals(c.getType()))
            .findFirst()
            .orElse(null);
    if (before != null
        && "True".equals(before.getStatus())
        && ConditionReason.ReconcileError.name().equals(before.getReason())
        && message.equals(before.getMessage())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    conditions.removeIf(c -> Condition.DEGRADED.equals(c.getType()));
    conditions.add(
        new Condition(
            Condition.DEGRADED,
            "True",
            ConditionReason.ReconcileError.name(),
            message,
            Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(),
            resource.getMetadata().getGeneration() == null
                ? 0L
                : resource.getMetadata().getGeneration()));
    status.setConditions(conditions);
    resource.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(resource);
  }

  /** The exception's message and its causes', shortened. */
  static String describe(Throwable error) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = error; t != null && s.length() < MAX_MESSAGE; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (s.indexOf(m) < 0) {
        s.append(s.isEmpty() ? "" : ": ").append(m);
      }
    }
    return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "…" : s.toString();
  }
}
