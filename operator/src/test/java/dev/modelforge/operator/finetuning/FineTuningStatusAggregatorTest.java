package dev.modelforge.operator.finetuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.FineTuningPhase;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelStatus;
import dev.modelforge.operator.common.ProgressReport;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FineTuningStatusAggregatorTest {
  final FineTuningStatusAggregator aggregator =
      new FineTuningStatusAggregator(
          Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
  final FineTuningJob job = TestResources.loraJob("ns", "ft", "base", "out");

  @Test
  void waitingSaysWhatTheBaseModelIsDoing() {
    var missing = aggregate(Optional.empty(), Optional.empty(), "", Optional.empty());
    var fetching =
        aggregate(
            Optional.of(base(ModelPhase.Fetching, "1MB/2MB")),
            Optional.empty(),
            "",
            Optional.empty());

    assertThat(missing.getPhase()).isEqualTo(FineTuningPhase.Pending);
    assertThat(readyMessage(missing)).isEqualTo("Base Model base does not exist; create it.");
    assertThat(readyMessage(fetching)).isEqualTo("Base Model base is Fetching (1MB/2MB).");
    assertThat(fetching.condition(Condition.READY).orElseThrow().getReason())
        .isEqualTo("WaitingForBaseModel");
  }

  /** A training Job that waits for a pod its ServiceAccount keeps from being created says so. */
  @Test
  void aMissingWorkloadAccountIsTheReasonTheTrainingPodWaits() {
    var base = Optional.of(base(ModelPhase.Ready, null));
    var pending = Optional.of(new io.fabric8.kubernetes.api.model.batch.v1.Job());
    var waiting = aggregate(base, pending, "", Optional.empty());
    var missing =
        aggregate(base, pending, "", Optional.empty(), Optional.of("ServiceAccount ns/x is gone"));

    assertThat(waiting.condition(Condition.READY).orElseThrow().getReason())
        .isEqualTo("TrainingPending");
    assertThat(missing.getPhase()).isEqualTo(FineTuningPhase.Pending);
    var ready = missing.condition(Condition.READY).orElseThrow();
    assertThat(ready.getReason()).isEqualTo("ServiceAccountMissing");
    assertThat(ready.getMessage()).isEqualTo("ServiceAccount ns/x is gone");
    assertThat(missing.condition(Condition.DEGRADED).orElseThrow().isTrue()).isTrue();
  }

  @Test
  void runningFoldsTheTrainersReport() {
    var status =
        aggregate(
            Optional.of(base(ModelPhase.Ready, null)),
            job(1, 0, null),
            "{\"step\": 120, \"totalSteps\": 600, \"epoch\": 0.4, \"loss\": 1.2345, \"learningRate\":"
                + " 0.0002, \"tokensPerSecond\": 800, \"etaSeconds\": 200}",
            Optional.empty());

    assertThat(status.getPhase()).isEqualTo(FineTuningPhase.Running);
    assertThat(status.getProgress()).isEqualTo("120/600");
    assertThat(status.getEpoch()).isEqualTo(0.4);
    assertThat(status.getLearningRate()).isEqualTo(0.0002);
    assertThat(status.getTokensPerSecond()).isEqualTo(800.0);
    assertThat(readyMessage(status)).isEqualTo("Training: step 120/600, loss 1.2345.");
  }

  @Test
  void succeededOnlyOnceTheOutputModelExistsAndIsOurs() {
    var done = job(0, 1, "Complete");
    var publishing = aggregate(Optional.empty(), done, "{\"step\": 600}", Optional.empty());
    var ours = aggregate(Optional.empty(), done, "{\"step\": 600}", Optional.of(output("ft")));
    var theirs = aggregate(Optional.empty(), done, "{\"step\": 600}", Optional.of(output("other")));

    assertThat(publishing.getPhase()).isEqualTo(FineTuningPhase.Running);
    assertThat(ours.getPhase()).isEqualTo(FineTuningPhase.Succeeded);
    assertThat(ours.getOutputModel()).isEqualTo("out");
    assertThat(ours.isReadyConditionTrue()).isTrue();
    assertThat(theirs.getPhase()).isEqualTo(FineTuningPhase.Failed);
    assertThat(theirs.condition(Condition.DEGRADED).orElseThrow().getReason())
        .isEqualTo("OutputModelConflict");
  }

  @Test
  void failureCarriesTheTrainersLastErrorOrTheJobsReason() {
    var reported =
        aggregate(
            Optional.empty(), job(0, 0, "Failed"), "{\"message\": \"NaN loss\"}", Optional.empty());
    var silent = aggregate(Optional.empty(), job(0, 0, "Failed"), "", Optional.empty());

    assertThat(reported.getLastError()).isEqualTo("NaN loss");
    assertThat(silent.getLastError()).isEqualTo("BackoffLimitExceeded");
    assertThat(silent.condition(Condition.DEGRADED).orElseThrow().isTrue()).isTrue();
  }

  @Test
  void specProblemsBecomeAnInvalidSpecCondition() {
    var status =
        aggregator.aggregate(
            new FineTuningObservation(
                job,
                List.of("method.lora is required when method.type is lora"),
                Optional.empty(),
                Optional.empty(),
                ProgressReport.none(),
                Optional.empty(),
                Optional.empty()));

    assertThat(status.getPhase()).isEqualTo(FineTuningPhase.Failed);
    assertThat(status.condition(Condition.READY).orElseThrow().getReason())
        .isEqualTo("InvalidSpec");
  }

  private dev.modelforge.operator.api.v1alpha1.FineTuningJobStatus aggregate(
      Optional<Model> base, Optional<Job> trainJob, String progress, Optional<Model> output) {
    return aggregate(base, trainJob, progress, output, Optional.empty());
  }

  private dev.modelforge.operator.api.v1alpha1.FineTuningJobStatus aggregate(
      Optional<Model> base,
      Optional<Job> trainJob,
      String progress,
      Optional<Model> output,
      Optional<String> missingAccount) {
    var report =
        progress.isEmpty()
            ? ProgressReport.none()
            : ProgressReport.from(
                Optional.of(
                    new ConfigMapBuilder().addToData(ProgressReports.DATA_KEY, progress).build()));
    return aggregator.aggregate(
        new FineTuningObservation(job, List.of(), base, trainJob, report, output, missingAccount));
  }

  private static String readyMessage(dev.modelforge.operator.api.v1alpha1.FineTuningJobStatus s) {
    return s.condition(Condition.READY).orElseThrow().getMessage();
  }

  private static Model base(ModelPhase phase, String progress) {
    var model = TestResources.model("ns", "base");
    var status = new ModelStatus();
    status.setPhase(phase);
    status.setProgress(progress);
    status.setConditions(
        List.of(
            new Condition("Ready", phase == ModelPhase.Ready ? "True" : "False", "x", "", "", 1L)));
    model.setStatus(status);
    return model;
  }

  private static Model output(String producedBy) {
    var model = TestResources.model("ns", "out");
    model.getMetadata().setLabels(Map.of("modelforge.dev/finetuningjob", producedBy));
    return model;
  }

  private static Optional<Job> job(int active, int succeeded, String condition) {
    var status = new JobBuilder().withNewStatus().withActive(active).withSucceeded(succeeded);
    if (condition != null) {
      status
          .addNewCondition()
          .withType(condition)
          .withStatus("True")
          .withReason("Failed".equals(condition) ? "BackoffLimitExceeded" : null)
          .endCondition();
    }
    return Optional.of(status.endStatus().build());
  }
}
