package dev.modelforge.operator.model;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.progress.FetchReport;
import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.ModelFile;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelStatus;
import dev.modelforge.operator.common.Bytes;
import dev.modelforge.operator.common.ConditionReason;
import dev.modelforge.operator.common.Conditions;
import dev.modelforge.operator.common.JobState;
import dev.modelforge.operator.common.ProgressReport;
import dev.modelforge.operator.common.WorkloadAccount;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Optional;

/**
 * Builds a Model's status from one {@link ModelObservation}: phase, conditions, download progress
 * and, once fetched, what config.json says. Pure, so the same world gives the same status and the
 * reconciler patches only real changes.
 */
public final class ModelStatusAggregator {
  private final Clock clock;

  public ModelStatusAggregator(Clock clock) {
    this.clock = clock;
  }

  public ModelStatus aggregate(ModelObservation seen) {
    var model = seen.model();
    var previous = model.getStatus() == null ? new ModelStatus() : model.getStatus();
    var status = new ModelStatus();
    status.setObservedGeneration(model.getMetadata().getGeneration());
    var conditions =
        new Conditions(previous.getConditions(), model.getMetadata().getGeneration(), clock);

    if (!seen.specProblems().isEmpty()) {
      String message = String.join("; ", seen.specProblems());
      status.setPhase(ModelPhase.Failed);
      status.setConditions(conditions.invalidSpec(message).build());
      return status;
    }

    String name = model.getMetadata().getName();
    status.setClaimName(ModelWorkload.claimName(name));
    status.setPath(Mounts.model(name));
    foldProgress(seen.progress(), status);

    var job = JobState.of(seen.fetchJob());
    Optional<String> baseProblem = baseProblem(seen);
    switch (job.phase()) {
      case ABSENT, PENDING -> {
        status.setPhase(ModelPhase.Pending);
        if (seen.missingAccount().isPresent()) {
          WorkloadAccount.waiting(conditions, seen.missingAccount().get());
        } else {
          conditions
              .set(
                  Condition.READY,
                  false,
                  ConditionReason.FetchPending,
                  "Waiting for the fetch pod to start.")
              .set(Condition.PROGRESSING, true, ConditionReason.FetchPending, "Fetch Job created.")
              .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
        }
      }
      case RUNNING -> {
        status.setPhase(ModelPhase.Fetching);
        String progress = status.getProgress() == null ? "" : " (" + status.getProgress() + ")";
        conditions
            .set(
                Condition.READY,
                false,
                ConditionReason.Fetching,
                "Fetching the model files" + progress + ".")
            .set(
                Condition.PROGRESSING,
                true,
                ConditionReason.Fetching,
                "Fetching from " + sourceUri(seen))
            .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
      }
      case SUCCEEDED -> {
        status.setEtaSeconds(null);
        status.setBytesPerSecond(null);
        if (baseProblem.isPresent()) {
          status.setPhase(ModelPhase.Pending);
          conditions
              .set(Condition.READY, false, ConditionReason.WaitingForBaseModel, baseProblem.get())
              .set(
                  Condition.PROGRESSING,
                  true,
                  ConditionReason.WaitingForBaseModel,
                  baseProblem.get())
              .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
        } else {
          status.setPhase(ModelPhase.Ready);
          conditions
              .set(Condition.READY, true, ConditionReason.Fetched, readyMessage(status))
              .set(
                  Condition.PROGRESSING,
                  false,
                  ConditionReason.Fetched,
                  "All files fetched and verified.")
              .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "");
        }
      }
      case FAILED -> {
        String cause =
            seen.progress()
                .as(FetchReport.class)
                .flatMap(FetchReport::failure)
                .orElse(job.message() == null ? "the fetch pod failed" : job.message());
        status.setPhase(ModelPhase.Failed);
        status.setEtaSeconds(null);
        status.setBytesPerSecond(null);
        String message =
            "Fetch failed: "
                + cause
                + ". Terminal: delete Job "
                + ModelWorkload.fetchJobName(name)
                + " to retry.";
        conditions
            .set(Condition.READY, false, ConditionReason.FetchFailed, message)
            .set(Condition.PROGRESSING, false, ConditionReason.FetchFailed, message)
            .set(Condition.DEGRADED, true, ConditionReason.FetchFailed, message);
      }
      default -> throw new IllegalStateException("Unknown job phase " + job.phase());
    }
    status.setConditions(conditions.build());
    return status;
  }

  private static String sourceUri(ModelObservation seen) {
    return seen.model().getSpec().getSource().getUri() + ".";
  }

  private static Optional<String> baseProblem(ModelObservation seen) {
    var adapterOf = seen.model().getSpec().getAdapterOf();
    if (adapterOf == null) {
      return Optional.empty();
    }
    if (seen.base().isEmpty()) {
      return Optional.of(
          "Adapter of Model " + adapterOf.getName() + ", which does not exist; create it.");
    }
    var base = seen.base().get();
    if (base.getSpec() != null && base.getSpec().getAdapterOf() != null) {
      return Optional.of(
          "Base Model "
              + adapterOf.getName()
              + " is itself an adapter; an adapter needs full weights as its base.");
    }
    return Optional.empty();
  }

  private static String readyMessage(ModelStatus status) {
    var parts = new ArrayList<String>();
    if (status.getArchitecture() != null) {
      parts.add(status.getArchitecture());
    }
    if (status.getFiles() != null) {
      parts.add(status.getFiles().size() + " files verified");
    }
    if (status.getTotalBytes() != null) {
      parts.add(Bytes.human(status.getTotalBytes()));
    }
    // The phase already says Ready; the message says what is ready ("Ready: Ready: ..." read
    // twice).
    return parts.isEmpty() ? "Model files are ready." : String.join(", ", parts) + ".";
  }

  /** Copies the fetch report's fields; see {@link ProgressReport} for the transport. */
  static void foldProgress(ProgressReport progress, ModelStatus status) {
    progress.as(FetchReport.class).ifPresent(report -> fold(report, status));
  }

  private static void fold(FetchReport report, ModelStatus status) {
    Optional.ofNullable(report.bytesDone()).ifPresent(status::setBytesDone);
    Optional.ofNullable(report.totalBytes()).ifPresent(status::setTotalBytes);
    Optional.ofNullable(report.rate()).ifPresent(status::setBytesPerSecond);
    Optional.ofNullable(report.etaSeconds()).ifPresent(status::setEtaSeconds);
    if (status.getBytesDone() != null) {
      status.setProgress(
          Bytes.human(status.getBytesDone())
              + (status.getTotalBytes() == null ? "" : "/" + Bytes.human(status.getTotalBytes())));
    }
    if (!report.files().isEmpty()) {
      status.setFiles(
          report.files().stream().map(f -> new ModelFile(f.path(), f.size(), f.sha256())).toList());
    }
    FetchReport.ModelFacts facts = report.config();
    if (facts != null) {
      Optional.ofNullable(facts.architecture()).ifPresent(status::setArchitecture);
      Optional.ofNullable(facts.parameters()).ifPresent(status::setParameters);
      Optional.ofNullable(facts.dtype()).ifPresent(status::setDtype);
      Optional.ofNullable(facts.contextLength()).ifPresent(status::setContextLength);
      Optional.ofNullable(facts.vocabSize()).ifPresent(status::setVocabSize);
    }
  }
}
