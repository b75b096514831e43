package dev.modelforge.operator.model;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelStatus;
import dev.modelforge.operator.common.EventReason;
import dev.modelforge.operator.common.EventRecorder;
import dev.modelforge.operator.common.ModelInformer;
import dev.modelforge.operator.common.PhaseMetrics;
import dev.modelforge.operator.common.ProgressInformer;
import dev.modelforge.operator.common.StatusPatch;
import dev.modelforge.operator.common.UnreadableResources;
import dev.modelforge.operator.common.WorkloadAccount;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
import java.util.List;
import java.util.Optional;

/**
 * Model → a volume and a fetch Job; the fetch pod's reports and the Job's outcome become status.
 * The workflow runs only for a valid spec, so a bad spec creates nothing.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "weights", type = ModelWeightsClaimDependent.class),
      @Dependent(name = "fetch", type = FetchJobDependent.class, dependsOn = "weights")
    })
@RBACRule(
    apiGroups = "",
    resources = "configmaps",
    verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH})
@RBACRule(apiGroups = "", resources = "events", verbs = RBACVerbs.CREATE)
@RBACRule(apiGroups = "", resources = "serviceaccounts", verbs = RBACVerbs.GET)
@ControllerConfiguration(name = ModelReconciler.NAME)
public class ModelReconciler implements Reconciler<Model> {
  public static final String NAME = "model";

  private final EventRecorder events;
  private final UnreadableResources unreadable;
  private final PhaseMetrics metrics;
  private final ModelForgeConfig config;
  private final ModelStatusAggregator aggregator = new ModelStatusAggregator(Clock.systemUTC());

  public ModelReconciler(
      EventRecorder events,
      UnreadableResources unreadable,
      PhaseMetrics metrics,
      ModelForgeConfig config) {
    this.events = events;
    this.unreadable = unreadable;
    this.metrics = metrics;
    this.config = config;
  }

  @Override
  public List<EventSource<?, Model>> prepareEventSources(EventSourceContext<Model> context) {
    metrics.track(
        "Model",
        context.getPrimaryCache(),
        m -> m.getStatus() == null ? null : m.getStatus().getPhase(),
        ModelPhase.values());
    return List.of(
        ProgressInformer.create(context, ProgressReports.FETCH),
        ModelInformer.create(context, ModelReconciler::baseName));
  }

  private static List<String> baseName(Model model) {
    return model.getSpec() == null || model.getSpec().getAdapterOf() == null
        ? List.of()
        : List.of(model.getSpec().getAdapterOf().getName());
  }

  @Override
  public UpdateControl<Model> reconcile(Model model, Context<Model> context) {
    if (unreadable.report(model, events)) {
      return UpdateControl.noUpdate();
    }
    List<String> problems = ModelValidator.problems(model);
    if (problems.isEmpty()) {
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    }
    Optional<Model> base =
        baseName(model).stream()
            .findFirst()
            .flatMap(name -> ModelInformer.referenced(model, context, name));
    Optional<Job> fetchJob = context.getSecondaryResource(Job.class);
    var seen =
        new ModelObservation(
            model,
            problems,
            fetchJob,
            ProgressInformer.latest(context),
            base,
            WorkloadAccount.missing(
                context.getClient(), config, model.getMetadata().getNamespace(), fetchJob));
    ModelStatus status = aggregator.aggregate(seen);
    return StatusPatch.apply(
        model, status, ModelStatus::getPhase, ModelReconciler::eventFor, events);
  }

  /** The Event that entering each phase emits, with the Ready condition's message. */
  public static EventReason eventFor(ModelStatus status) {
    return switch (status.getPhase()) {
      case Pending -> EventReason.WaitingForDependency;
      case Fetching -> EventReason.FetchStarted;
      case Ready -> EventReason.FetchSucceeded;
      case Failed -> StatusPatch.failure(status, EventReason.FetchFailed);
    };
  }

  /** A reconcile that threw shows in status (Degraded, ReconcileError) while it is retried. */
  @Override
  public ErrorStatusUpdateControl<Model> updateErrorStatus(
      Model resource, Context<Model> context, Exception e) {
    return StatusPatch.error(resource, e, ModelStatus::new, Clock.systemUTC());
  }
}
