package dev.modelforge.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.common.ProgressReport;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelStatusAggregatorTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  final ModelStatusAggregator aggregator =
      new ModelStatusAggregator(Clock.fixed(T0, ZoneOffset.UTC));

  @Test
  void noJobYetIsPending() {
    var status = aggregator.aggregate(seen(TestResources.model("ns", "m"), Optional.empty(), ""));

    assertThat(status.getPhase()).isEqualTo(ModelPhase.Pending);
    assertThat(status.isReadyConditionTrue()).isFalse();
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getClaimName()).isEqualTo("m-weights");
  }

  @Test
  void runningJobShowsDownloadProgress() {
    var status =
        aggregator.aggregate(
            seen(
                TestResources.model("ns", "m"),
                job(1, 0, null),
                "{\"bytesDone\": 1500000, \"totalBytes\": 988000000, \"rate\": 250000, \"eta\": 3946}"));

    assertThat(status.getPhase()).isEqualTo(ModelPhase.Fetching);
    assertThat(status.getProgress()).isEqualTo("1.5MB/988MB");
    assertThat(status.getBytesPerSecond()).isEqualTo(250000L);
    assertThat(status.getEtaSeconds()).isEqualTo(3946L);
    assertThat(status.condition(Condition.PROGRESSING).orElseThrow().isTrue()).isTrue();
    assertThat(status.condition(Condition.READY).orElseThrow().getMessage())
        .isEqualTo("Fetching the model files (1.5MB/988MB).");
  }

  @Test
  void completedJobIsReadyWithConfigFactsAndNoEta() {
    var status =
        aggregator.aggregate(
            seen(
                TestResources.model("ns", "m"),
                job(0, 1, "Complete"),
                "{\"bytesDone\": 10, \"totalBytes\": 10, \"eta\": 0, \"files\": [{\"path\":"
                    + " \"config.json\", \"size\": 10, \"sha256\": \"e3b0\"}], \"config\": {\"architecture\":"
                    + " \"llama\", \"parameters\": 1100000000, \"dtype\": \"bfloat16\"}}"));

    assertThat(status.getPhase()).isEqualTo(ModelPhase.Ready);
    assertThat(status.isReadyConditionTrue()).isTrue();
    assertThat(status.getArchitecture()).isEqualTo("llama");
    assertThat(status.getParameters()).isEqualTo(1_100_000_000L);
    assertThat(status.getDtype()).isEqualTo("bfloat16");
    assertThat(status.getFiles())
        .singleElement()
        .satisfies(f -> assertThat(f.getPath()).isEqualTo("config.json"));
    assertThat(status.getEtaSeconds()).isNull();
    assertThat(status.condition(Condition.READY).orElseThrow().getMessage())
        .isEqualTo("llama, 1 files verified, 10B.");
  }

  @Test
  void failedJobIsTerminalAndSaysHowToRetry() {
    var status =
        aggregator.aggregate(
            seen(
                TestResources.model("ns", "m"),
                job(0, 0, "Failed"),
                "{\"error\": \"404 on hf.co\"}"));

    assertThat(status.getPhase()).isEqualTo(ModelPhase.Failed);
    assertThat(status.condition(Condition.DEGRADED).orElseThrow().getMessage())
        .isEqualTo("Fetch failed: 404 on hf.co. Terminal: delete Job m-fetch to retry.");
  }

  @Test
  void specProblemsBecomeAnInvalidSpecConditionAndNothingElse() {
    var model = TestResources.model("ns", "m");
    var status =
        aggregator.aggregate(
            new ModelObservation(
                model,
                List.of("a", "b"),
                Optional.empty(),
                ProgressReport.none(),
                Optional.empty(),
                Optional.empty()));

    assertThat(status.getPhase()).isEqualTo(ModelPhase.Failed);
    assertThat(status.condition(Condition.READY).orElseThrow().getReason())
        .isEqualTo("InvalidSpec");
    assertThat(status.condition(Condition.DEGRADED).orElseThrow().getMessage()).isEqualTo("a; b");
    assertThat(status.getClaimName()).isNull();
  }

  @Test
  void adapterIsNotReadyUntilItsBaseExistsWithFullWeights() {
    var adapter = TestResources.model("ns", "lora");
    adapter.getSpec().setAdapterOf(new ModelReference("base"));
    var nestedBase = TestResources.model("ns", "base");
    nestedBase.getSpec().setAdapterOf(new ModelReference("other"));

    var missing = aggregator.aggregate(seen(adapter, job(0, 1, "Complete"), ""));
    var nested =
        aggregator.aggregate(
            new ModelObservation(
                adapter,
                List.of(),
                job(0, 1, "Complete"),
                ProgressReport.none(),
                Optional.of(nestedBase),
                Optional.empty()));
    var fine =
        aggregator.aggregate(
            new ModelObservation(
                adapter,
                List.of(),
                job(0, 1, "Complete"),
                ProgressReport.none(),
                Optional.of(TestResources.model("ns", "base")),
                Optional.empty()));

    assertThat(missing.condition(Condition.READY).orElseThrow().getReason())
        .isEqualTo("WaitingForBaseModel");
    assertThat(nested.condition(Condition.READY).orElseThrow().getMessage())
        .contains("is itself an adapter");
    assertThat(fine.getPhase()).isEqualTo(ModelPhase.Ready);
  }

  @Test
  void unchangedWorldKeepsTheTransitionTimeSoNoPatchIsNeeded() {
    var model = TestResources.model("ns", "m");
    model.setStatus(aggregator.aggregate(seen(model, job(1, 0, null), "")));
    var later =
        new ModelStatusAggregator(Clock.fixed(T0.plusSeconds(600), ZoneOffset.UTC))
            .aggregate(seen(model, job(1, 0, null), ""));

    assertThat(dev.modelforge.operator.common.StatusChange.differs(model.getStatus(), later))
        .isFalse();
    assertThat(later.condition(Condition.READY).orElseThrow().getLastTransitionTime())
        .isEqualTo(T0.toString());
  }

  private static ModelObservation seen(Model model, Optional<Job> job, String progressJson) {
    var progress =
        progressJson.isEmpty()
            ? ProgressReport.none()
            : ProgressReport.from(
                Optional.of(
                    new ConfigMapBuilder()
                        .addToData(ProgressReports.DATA_KEY, progressJson)
                        .build()));
    return new ModelObservation(
        model, List.of(), job, progress, Optional.empty(), Optional.empty());
  }

  static Optional<Job> job(int active, int succeeded, String condition) {
    var status = new JobBuilder().withNewStatus().withActive(active).withSucceeded(succeeded);
    if (condition != null) {
      status.addNewCondition().withType(condition).withStatus("True").endCondition();
    }
    return Optional.of(status.endStatus().build());
  }
}
