package dev.modelforge.operator.finetuning;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.FineTuningJobStatus;
import dev.modelforge.operator.api.v1alpha1.FineTuningPhase;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.EventReason;
import dev.modelforge.operator.common.EventRecorder;
import dev.modelforge.operator.common.JobState;
import dev.modelforge.operator.common.ModelInformer;
import dev.modelforge.operator.common.PhaseMetrics;
import dev.modelforge.operator.common.ProgressInformer;
import dev.modelforge.operator.common.StatusPatch;
import dev.modelforge.operator.common.UnreadableResources;
import dev.modelforge.operator.common.WorkloadAccount;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * FineTuningJob → waits for the base Model → a trainer config, a checkpoint volume and a batch Job
 * → on success, the output Model. The trainer's reports and the Job's outcome become status.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "train-config", type = TrainingConfigDependent.class),
      @Dependent(name = "output-claim", type = TrainingOutputClaimDependent.class),
      @Dependent(
          name = "train",
          type = TrainJobDependent.class,
          dependsOn = {"train-config", "output-claim"},
          reconcilePrecondition = BaseModelReadyCondition.class)
    })
@RBACRule(
    apiGroups = Model.GROUP,
    resources = "models",
    verbs = {RBACVerbs.GET, RBACVerbs.LIST, RBACVerbs.WATCH, RBACVerbs.CREATE})
@RBACRule(apiGroups = "", resources = "events", verbs = RBACVerbs.CREATE)
@ControllerConfiguration(name = FineTuningJobReconciler.NAME)
public class FineTuningJobReconciler implements Reconciler<FineTuningJob> {
  public static final String NAME = "finetuningjob";

  private final EventRecorder events;
  private final UnreadableResources unreadable;
  private final PhaseMetrics metrics;
  private final ModelForgeConfig config;
  private final FineTuningStatusAggregator aggregator =
      new FineTuningStatusAggregator(Clock.systemUTC());

  public FineTuningJobReconciler(
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
  public List<EventSource<?, FineTuningJob>> prepareEventSources(
      EventSourceContext<FineTuningJob> context) {
    metrics.track(
        "FineTuningJob",
        context.getPrimaryCache(),
        j -> j.getStatus() == null ? null : j.getStatus().getPhase(),
        FineTuningPhase.values());
    return List.of(
        ProgressInformer.create(context, ProgressReports.TRAIN),
        ModelInformer.create(context, FineTuningJobReconciler::referencedModels));
  }

  /** The base Model it waits for and the output Model it publishes. */
  private static List<String> referencedModels(FineTuningJob job) {
    var spec = job.getSpec();
    if (spec == null) {
      return List.of();
    }
    var names = new ArrayList<String>(2);
    if (spec.getBaseModel() != null && spec.getBaseModel().getName() != null) {
      names.add(spec.getBaseModel().getName());
    }
    if (spec.getOutput() != null && spec.getOutput().getModelName() != null) {
      names.add(spec.getOutput().getModelName());
    }
    return names;
  }

  @Override
  public UpdateControl<FineTuningJob> reconcile(FineTuningJob job, Context<FineTuningJob> context) {
    if (unreadable.report(job, events)) {
      return UpdateControl.noUpdate();
    }
    List<String> problems = FineTuningJobValidator.problems(job);
    Optional<Model> base = Optional.empty();
    Optional<Model> output = Optional.empty();
    Optional<Job> trainJob = Optional.empty();
    if (problems.isEmpty()) {
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
      var models = ModelInformer.referenced(job, context);
      base = Optional.ofNullable(models.get(job.getSpec().getBaseModel().getName()));
      output = Optional.ofNullable(models.get(job.getSpec().getOutput().getModelName()));
      trainJob = context.getSecondaryResource(Job.class);
      if (output.isEmpty() && JobState.of(trainJob).phase() == JobState.Phase.SUCCEEDED) {
        output = Optional.of(publishOutputModel(job, context));
      }
    }
    var seen =
        new FineTuningObservation(
            job,
            problems,
            base,
            trainJob,
            ProgressInformer.latest(context),
            output,
            WorkloadAccount.missing(
                context.getClient(), config, job.getMetadata().getNamespace(), trainJob));
    FineTuningJobStatus status = aggregator.aggregate(seen);
    return StatusPatch.apply(
        job, status, FineTuningJobStatus::getPhase, FineTuningJobReconciler::eventFor, events);
  }

  /**
   * Creates the output Model once. Not a dependent: it is deliberately not owned by the job, and it
   * is never updated or deleted by it.
   */
  private Model publishOutputModel(FineTuningJob job, Context<FineTuningJob> context) {
    Model desired = TrainingWorkload.fromCrd(job, config).generateOutputModel();
    try {
      Model created = context.getClient().resource(desired).create();
      events.record(
          job,
          EventReason.OutputModelCreated,
          "Created Model " + desired.getMetadata().getName() + " from the trained output.");
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Someone (or an earlier reconcile whose event is still in flight) created it: read it
      // so the aggregator can tell ours from a name clash.
      return context.getClient().resource(desired).get();
    }
  }

  /** The Event that entering each phase emits, with the Ready condition's message. */
  public static EventReason eventFor(FineTuningJobStatus status) {
    return switch (status.getPhase()) {
      case Pending -> EventReason.WaitingForDependency;
      case Running -> EventReason.TrainingStarted;
      case Succeeded -> EventReason.TrainingSucceeded;
      case Failed -> StatusPatch.failure(status, EventReason.TrainingFailed);
    };
  }

  /** A reconcile that threw shows in status (Degraded, ReconcileError) while it is retried. */
  @Override
  public ErrorStatusUpdateControl<FineTuningJob> updateErrorStatus(
      FineTuningJob resource, Context<FineTuningJob> context, Exception e) {
    return StatusPatch.error(resource, e, FineTuningJobStatus::new, Clock.systemUTC());
  }
}
