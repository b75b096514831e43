package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.InferenceServiceStatus;
import dev.modelforge.operator.api.v1alpha1.ServingPhase;
import dev.modelforge.operator.common.ConditionReason;
import dev.modelforge.operator.common.Conditions;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Builds an InferenceService's status from one {@link ServingObservation}. Ready means a replica of
 * the current rollout, serving the expected models, passes its readiness probe.
 */
public final class ServingStatusAggregator {
  private final Clock clock;

  public ServingStatusAggregator(Clock clock) {
    this.clock = clock;
  }

  public InferenceServiceStatus aggregate(ServingObservation seen) {
    var service = seen.service();
    var previous = service.getStatus() == null ? new InferenceServiceStatus() : service.getStatus();
    var status = new InferenceServiceStatus();
    Long generation = service.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    var conditions = new Conditions(previous.getConditions(), generation, clock);

    if (!seen.specProblems().isEmpty()) {
      String message = String.join("; ", seen.specProblems());
      status.setPhase(ServingPhase.Failed);
      status.setConditions(conditions.invalidSpec(message).build());
      return status;
    }

    int desired = ServingWorkload.desiredReplicas(service);
    List<String> served = ServingWorkload.servedModels(service);
    status.setServedModels(served);
    status.setSelector(ServingWorkload.selector(service));
    seen.endpoint().ifPresent(s -> status.setUrl(ServingWorkload.url(service)));
    int replicas = seen.deployment().map(ServingStatusAggregator::replicas).orElse(0);
    int ready = seen.deployment().map(ServingStatusAggregator::readyReplicas).orElse(0);
    status.setReplicas(replicas);
    status.setReadyReplicas(ready);
    status.setReady(ready + "/" + desired);

    List<String> mismatches = ServedModels.mismatches(service, seen.models());
    List<String> waiting = ServedModels.notReady(service, seen.models());
    if (!mismatches.isEmpty()) {
      String message = String.join("; ", mismatches) + ". Fix spec.adapters.";
      status.setPhase(ServingPhase.Failed);
      conditions
          .set(Condition.READY, false, ConditionReason.AdapterMismatch, message)
          .set(Condition.PROGRESSING, false, ConditionReason.AdapterMismatch, message)
          .set(Condition.DEGRADED, true, ConditionReason.AdapterMismatch, message);
    } else if (!waiting.isEmpty()) {
      String message =
          "Waiting: "
              + String.join("; ", waiting)
              + (seen.deployment().isPresent()
                  ? ". Running pods keep their current models until then."
                  : ".");
      status.setPhase(ServingPhase.Pending);
      conditions
          .set(Condition.READY, false, ConditionReason.WaitingForModels, message)
          .set(Condition.PROGRESSING, true, ConditionReason.WaitingForModels, message)
          .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
    } else if (seen.deployment().isEmpty()) {
      status.setPhase(ServingPhase.Deploying);
      conditions
          .set(Condition.READY, false, ConditionReason.Deploying, "Creating the server Deployment.")
          .set(
              Condition.PROGRESSING,
              true,
              ConditionReason.Deploying,
              "Creating the server Deployment.")
          .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
    } else if (desired == 0) {
      status.setPhase(ServingPhase.Pending);
      String message = "Scaled to zero: raise spec.replicas.min (or let the autoscaler) to serve.";
      conditions
          .set(Condition.READY, false, ConditionReason.ScaledToZero, message)
          .set(Condition.PROGRESSING, false, ConditionReason.ScaledToZero, message)
          .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
    } else {
      rollout(seen.deployment().get(), served, ready, desired, status, conditions);
    }
    List<String> unshareable = ServedModels.unshareableVolumes(service, seen.models());
    if (unshareable.isEmpty()) {
      conditions.set(
          Condition.VOLUMES_SHAREABLE,
          true,
          ConditionReason.Shareable,
          "Every replica can mount its volumes.");
    } else {
      conditions.set(
          Condition.VOLUMES_SHAREABLE,
          false,
          ConditionReason.AccessMode,
          String.join("; ", unshareable)
              + ". Keep spec.replicas.max at 1, or serve a Model created with"
              + " spec.storage.accessMode: ReadWriteMany.");
    }
    status.setConditions(conditions.build());
    return status;
  }

  private static void rollout(
      Deployment deployment,
      List<String> served,
      int ready,
      int desired,
      InferenceServiceStatus status,
      Conditions conditions) {
    String replicas = ready + "/" + desired + " replicas ready";
    if (stalled(deployment)) {
      String message =
          "Rollout stalled ("
              + replicas
              + "): "
              + stallMessage(deployment)
              + ". Retried as pods change.";
      status.setPhase(ServingPhase.Failed);
      conditions
          .set(Condition.READY, false, ConditionReason.RolloutStalled, message)
          .set(Condition.PROGRESSING, false, ConditionReason.RolloutStalled, message)
          .set(Condition.DEGRADED, true, ConditionReason.RolloutStalled, message);
      return;
    }
    boolean current = rolledOut(deployment) && servesExpectedModels(deployment, served);
    if (current && ready > 0) {
      status.setPhase(ServingPhase.Ready);
      String message = "Serving " + String.join(", ", served) + " (" + replicas + ").";
      conditions
          .set(Condition.READY, true, ConditionReason.Serving, message)
          .set(
              Condition.PROGRESSING,
              ready < desired,
              ready < desired ? ConditionReason.Scaling : ConditionReason.RolledOut,
              ready < desired ? "Scaling to " + desired + " replicas." : "Rollout complete.")
          .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
    } else {
      status.setPhase(ServingPhase.Deploying);
      String message =
          current
              ? "Waiting for a replica to pass its readiness probe (" + replicas + ")."
              : "Rolling out " + String.join(", ", served) + " (" + replicas + ").";
      conditions
          .set(Condition.READY, false, ConditionReason.Deploying, message)
          .set(Condition.PROGRESSING, true, ConditionReason.Deploying, message)
          .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
    }
  }

  /** The Deployment controller has seen the latest template and replaced the old pods. */
  private static boolean rolledOut(Deployment deployment) {
    var status = deployment.getStatus();
    Long generation = deployment.getMetadata().getGeneration();
    if (status == null || status.getObservedGeneration() == null) {
      return false;
    }
    boolean observed = generation == null || status.getObservedGeneration() >= generation;
    int updated = status.getUpdatedReplicas() == null ? 0 : status.getUpdatedReplicas();
    return observed && updated > 0;
  }

  private static boolean servesExpectedModels(Deployment deployment, List<String> served) {
    var annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations != null
        && Objects.equals(
            annotations.get(ServingWorkload.SERVED_MODELS_ANNOTATION), String.join(",", served));
  }

  private static boolean stalled(Deployment deployment) {
    return deployment.getStatus() != null
        && deployment.getStatus().getConditions() != null
        && deployment.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    "Progressing".equals(c.getType())
                        && "False".equals(c.getStatus())
                        && "ProgressDeadlineExceeded".equals(c.getReason()));
  }

  private static String stallMessage(Deployment deployment) {
    return deployment.getStatus().getConditions().stream()
        .filter(c -> "Progressing".equals(c.getType()))
        .map(c -> c.getMessage() == null ? c.getReason() : c.getMessage())
        .findFirst()
        .orElse("progress deadline exceeded");
  }

  private static int replicas(Deployment deployment) {
    var status = deployment.getStatus();
    return status == null || status.getReplicas() == null ? 0 : status.getReplicas();
  }

  private static int readyReplicas(Deployment deployment) {
    var status = deployment.getStatus();
    return status == null || status.getReadyReplicas() == null ? 0 : status.getReadyReplicas();
  }
}
