package dev.modelforge.operator.finetuning;

import dev.modelforge.contract.progress.TrainingReport;
import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.FineTuningJobStatus;
import dev.modelforge.operator.api.v1alpha1.FineTuningPhase;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.ConditionReason;
import dev.modelforge.operator.common.Conditions;
import dev.modelforge.operator.common.JobState;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.common.ProgressReport;
import dev.modelforge.operator.common.WorkloadAccount;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Optional;

/**
 * Builds a FineTuningJob's status from one {@link FineTuningObservation}: why it waits, the
 * trainer's live progress, and the terminal result with the output Model or the last error.
 */
public final class FineTuningStatusAggregator {
  private final Clock clock;

  public FineTuningStatusAggregator(Clock clock) {
    this.clock = clock;
  }

  public FineTuningJobStatus aggregate(FineTuningObservation seen) {
    var job = seen.job();
    var previous = job.getStatus() == null ? new FineTuningJobStatus() : job.getStatus();
    var status = new FineTuningJobStatus();
    Long generation = job.getMetadata().getGeneration();
    status.setObservedGeneration(generation);
    var conditions = new Conditions(previous.getConditions(), generation, clock);

    if (!seen.specProblems().isEmpty()) {
      String message = String.join("; ", seen.specProblems());
      status.setPhase(FineTuningPhase.Failed);
      status.setConditions(conditions.invalidSpec(message).build());
      return status;
    }

    foldProgress(seen.progress(), status);
    String baseName = job.getSpec().getBaseModel().getName();
    String outputName = job.getSpec().getOutput().getModelName();
    var state = JobState.of(seen.trainJob());
    switch (state.phase()) {
      case ABSENT -> {
        status.setPhase(FineTuningPhase.Pending);
        String why = waitingForBase(baseName, seen.baseModel());
        conditions
            .set(Condition.READY, false, ConditionReason.WaitingForBaseModel, why)
            .set(Condition.PROGRESSING, true, ConditionReason.WaitingForBaseModel, why)
            .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
      }
      case PENDING -> {
        status.setPhase(FineTuningPhase.Pending);
        if (seen.missingAccount().isPresent()) {
          WorkloadAccount.waiting(conditions, seen.missingAccount().get());
        } else {
          String why = "Waiting for the training pod to start.";
          conditions
              .set(Condition.READY, false, ConditionReason.TrainingPending, why)
              .set(Condition.PROGRESSING, true, ConditionReason.TrainingPending, why)
              .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
        }
      }
      case RUNNING -> {
        status.setPhase(FineTuningPhase.Running);
        String summary = summary(status);
        conditions
            .set(Condition.READY, false, ConditionReason.Training, "Training: " + summary + ".")
            .set(
                Condition.PROGRESSING, true, ConditionReason.Training, "Training: " + summary + ".")
            .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
      }
      case SUCCEEDED -> {
        status.setEtaSeconds(null);
        if (seen.outputModel().isEmpty()) {
          status.setPhase(FineTuningPhase.Running);
          String why = "Training finished; creating output Model " + outputName + ".";
          conditions
              .set(Condition.READY, false, ConditionReason.PublishingOutput, why)
              .set(Condition.PROGRESSING, true, ConditionReason.PublishingOutput, why)
              .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
        } else if (!producedBy(seen.outputModel().get(), job.getMetadata().getName())) {
          status.setPhase(FineTuningPhase.Failed);
          String why =
              "Output Model "
                  + outputName
                  + " already exists and was not produced by this job; the trained weights stay"
                  + " on volume "
                  + TrainingWorkload.outputClaimName(job.getMetadata().getName())
                  + ". Terminal.";
          status.setLastError(why);
          conditions
              .set(Condition.READY, false, ConditionReason.OutputModelConflict, why)
              .set(Condition.PROGRESSING, false, ConditionReason.OutputModelConflict, why)
              .set(Condition.DEGRADED, true, ConditionReason.OutputModelConflict, why);
        } else {
          status.setPhase(FineTuningPhase.Succeeded);
          status.setOutputModel(outputName);
          String why = "Trained " + summary(status) + "; output Model " + outputName + ".";
          conditions
              .set(Condition.READY, true, ConditionReason.Succeeded, why)
              .set(Condition.PROGRESSING, false, ConditionReason.Succeeded, why)
              .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
        }
      }
      case FAILED -> {
        status.setPhase(FineTuningPhase.Failed);
        status.setEtaSeconds(null);
        String error =
            seen.progress()
                .as(TrainingReport.class)
                .flatMap(TrainingReport::failure)
                .orElse(state.message() == null ? "the training pod failed" : state.message());
        status.setLastError(error);
        String why = "Training failed: " + error + ". Terminal.";
        conditions
            .set(Condition.READY, false, ConditionReason.TrainingFailed, why)
            .set(Condition.PROGRESSING, false, ConditionReason.TrainingFailed, why)
            .set(Condition.DEGRADED, true, ConditionReason.TrainingFailed, why);
      }
      default -> throw new IllegalStateException("Unknown job phase " + state.phase());
    }
    status.setConditions(conditions.build());
    return status;
  }

  private static boolean producedBy(Model model, String jobName) {
    var labels = model.getMetadata().getLabels();
    return labels != null && jobName.equals(labels.get(Labels.PRODUCED_BY_JOB));
  }

  private static String waitingForBase(String baseName, Optional<Model> base) {
    if (base.isEmpty()) {
      return "Base Model " + baseName + " does not exist; create it.";
    }
    var status = base.get().getStatus();
    if (status == null || status.getPhase() == null) {
      return "Base Model " + baseName + " has no status yet.";
    }
    if (status.isReadyConditionTrue()) {
      return "Base Model " + baseName + " is Ready; starting training.";
    }
    String progress = status.getProgress() == null ? "" : " (" + status.getProgress() + ")";
    return "Base Model " + baseName + " is " + status.getPhase() + progress + ".";
  }

  private static String summary(FineTuningJobStatus status) {
    var parts = new ArrayList<String>();
    if (status.getProgress() != null) {
      parts.add("step " + status.getProgress());
    }
    if (status.getLoss() != null) {
      parts.add(String.format(Locale.ROOT, "loss %.4f", status.getLoss()));
    }
    if (status.getValidationLoss() != null) {
      parts.add(String.format(Locale.ROOT, "validation loss %.4f", status.getValidationLoss()));
    }
    return parts.isEmpty() ? "no progress reported yet" : String.join(", ", parts);
  }

  /** Copies the trainer's report fields; see {@link ProgressReport} for the transport. */
  static void foldProgress(ProgressReport progress, FineTuningJobStatus status) {
    progress.as(TrainingReport.class).ifPresent(report -> fold(report, status));
  }

  private static void fold(TrainingReport report, FineTuningJobStatus status) {
    Optional.ofNullable(report.step()).ifPresent(status::setStep);
    Optional.ofNullable(report.totalSteps()).ifPresent(status::setTotalSteps);
    Optional.ofNullable(report.epoch()).ifPresent(status::setEpoch);
    Optional.ofNullable(report.loss()).ifPresent(status::setLoss);
    Optional.ofNullable(report.validationLoss()).ifPresent(status::setValidationLoss);
    Optional.ofNullable(report.learningRate()).ifPresent(status::setLearningRate);
    Optional.ofNullable(report.tokensPerSecond()).ifPresent(status::setTokensPerSecond);
    Optional.ofNullable(report.etaSeconds()).ifPresent(status::setEtaSeconds);
    if (status.getStep() != null) {
      status.setProgress(
          status.getStep() + (status.getTotalSteps() == null ? "" : "/" + status.getTotalSteps()));
    }
  }
}
