package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.InferenceServiceStatus;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ServingPhase;
import dev.modelforge.operator.common.EventReason;
import dev.modelforge.operator.common.EventRecorder;
import dev.modelforge.operator.common.ModelInformer;
import dev.modelforge.operator.common.PhaseMetrics;
import dev.modelforge.operator.common.StatusPatch;
import dev.modelforge.operator.common.UnreadableResources;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.quarkiverse.operatorsdk.annotations.RBACVerbs;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * InferenceService → once its Model and adapters are Ready, a server Deployment and a Service.
 *
 * <p>The readiness gate sits here rather than in a workflow precondition: JOSDK deletes a dependent
 * whose precondition turns false, and switching to a model that is still fetching must leave the
 * running pods serving, not tear them down.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "server", type = ServerDeploymentDependent.class),
      @Dependent(name = "endpoint", type = ServerServiceDependent.class, dependsOn = "server")
    })
@RBACRule(
    apiGroups = Model.GROUP,
    resources = "models",
    verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH})
@RBACRule(apiGroups = "", resources = "events", verbs = RBACVerbs.CREATE)
@ControllerConfiguration(name = InferenceServiceReconciler.NAME)
public class InferenceServiceReconciler implements Reconciler<InferenceService> {
  public static final String NAME = "inferenceservice";

  private final EventRecorder events;
  private final UnreadableResources unreadable;
  private final PhaseMetrics metrics;
  private final ServingStatusAggregator aggregator = new ServingStatusAggregator(Clock.systemUTC());

  public InferenceServiceReconciler(
      EventRecorder events, UnreadableResources unreadable, PhaseMetrics metrics) {
    this.events = events;
    this.unreadable = unreadable;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, InferenceService>> prepareEventSources(
      EventSourceContext<InferenceService> context) {
    metrics.track(
        "InferenceService",
        context.getPrimaryCache(),
        s -> s.getStatus() == null ? null : s.getStatus().getPhase(),
        ServingPhase.values());
    return List.of(ModelInformer.create(context, InferenceServiceReconciler::servedModels));
  }

  private static List<String> servedModels(InferenceService service) {
    var spec = service.getSpec();
    var names = new ArrayList<String>();
    if (spec == null) {
      return names;
    }
    if (spec.getModel() != null && spec.getModel().getName() != null) {
      names.add(spec.getModel().getName());
    }
    if (spec.getAdapters() != null) {
      spec.getAdapters().stream()
          .filter(a -> a != null && a.getName() != null)
          .forEach(a -> names.add(a.getName()));
    }
    return names;
  }

  @Override
  public UpdateControl<InferenceService> reconcile(
      InferenceService service, Context<InferenceService> context) {
    if (unreadable.report(service, events)) {
      return UpdateControl.noUpdate();
    }
    List<String> problems = InferenceServiceValidator.problems(service);
    Map<String, Model> models = Map.of();
    if (problems.isEmpty()) {
      models = ModelInformer.referenced(service, context);
      boolean modelsReady =
          ServedModels.notReady(service, models).isEmpty()
              && ServedModels.mismatches(service, models).isEmpty();
      if (modelsReady) {
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
      }
    }
    var seen =
        new ServingObservation(
            service,
            problems,
            models,
            context.getSecondaryResource(Deployment.class),
            context.getSecondaryResource(Service.class));
    InferenceServiceStatus status = aggregator.aggregate(seen);
    return StatusPatch.apply(
        service,
        status,
        InferenceServiceStatus::getPhase,
        InferenceServiceReconciler::eventFor,
        events);
  }

  /** The Event that entering each phase emits, with the Ready condition's message. */
  public static EventReason eventFor(InferenceServiceStatus status) {
    return switch (status.getPhase()) {
      case Pending -> EventReason.WaitingForDependency;
      case Deploying -> EventReason.Deploying;
      case Ready -> EventReason.ServingReady;
      case Failed -> StatusPatch.failure(status, EventReason.ServingFailed);
    };
  }

  /** A reconcile that threw shows in status (Degraded, ReconcileError) while it is retried. */
  @Override
  public ErrorStatusUpdateControl<InferenceService> updateErrorStatus(
      InferenceService resource, Context<InferenceService> context, Exception e) {
    return StatusPatch.error(resource, e, InferenceServiceStatus::new, Clock.systemUTC());
  }
}
