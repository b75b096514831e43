package dev.modelforge.operator.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.api.v1alpha1.Condition;
import dev.modelforge.operator.api.v1alpha1.FineTuningJobStatus;
import dev.modelforge.operator.api.v1alpha1.FineTuningPhase;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.api.v1alpha1.ModelStatus;
import dev.modelforge.operator.finetuning.FineTuningJobReconciler;
import dev.modelforge.operator.model.ModelReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusPatchTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

  private final List<EventReason> recorded = new ArrayList<>();
  private final EventRecorder events =
      new EventRecorder(null) {
        @Override
        public void record(HasMetadata about, EventReason reason, String message) {
          recorded.add(reason);
        }
      };

  private static ModelStatus status(ModelPhase phase, ConditionReason ready) {
    var s = new ModelStatus();
    s.setPhase(phase);
    s.setConditions(
        new Conditions(List.of(), 1L, CLOCK)
            .set(Condition.READY, phase == ModelPhase.Ready, ready, "because")
            .set(Condition.DEGRADED, false, ConditionReason.AsExpected, "")
            .build());
    return s;
  }

  @Test
  void anUnchangedStatusIsNotPatchedAndAPhaseChangeEmitsOneEvent() {
    Model model = TestResources.model("ns", "m");
    var first =
        StatusPatch.apply(
            model,
            status(ModelPhase.Fetching, ConditionReason.Fetching),
            ModelStatus::getPhase,
            s -> EventReason.FetchStarted,
            events);
    assertThat(first.isPatchStatus()).isTrue();
    var again =
        StatusPatch.apply(
            model,
            status(ModelPhase.Fetching, ConditionReason.Fetching),
            ModelStatus::getPhase,
            s -> EventReason.FetchStarted,
            events);
    assertThat(again.isNoUpdate()).isTrue();
    assertThat(recorded).containsExactly(EventReason.FetchStarted);
  }

  @Test
  void eachKindMapsItsPhasesToEventsAndAnInvalidSpecIsSaidSo() {
    assertThat(ModelReconciler.eventFor(status(ModelPhase.Ready, ConditionReason.Fetched)))
        .isEqualTo(EventReason.FetchSucceeded);
    assertThat(ModelReconciler.eventFor(status(ModelPhase.Failed, ConditionReason.FetchFailed)))
        .isEqualTo(EventReason.FetchFailed);
    assertThat(ModelReconciler.eventFor(status(ModelPhase.Failed, ConditionReason.InvalidSpec)))
        .isEqualTo(EventReason.InvalidSpec);
    var training = new FineTuningJobStatus();
    training.setPhase(FineTuningPhase.Running);
    assertThat(FineTuningJobReconciler.eventFor(training)).isEqualTo(EventReason.TrainingStarted);
  }

  @Test
  void aFailedReconcileShowsAsDegradedAndKeepsTheRestOfTheStatus() {
    Model model = TestResources.model("ns", "m");
    model.setStatus(status(ModelPhase.Fetching, ConditionReason.Fetching));
    var control =
        StatusPatch.error(
            model,
            new KubernetesClientException("Failure executing: PATCH ... Message: forbidden"),
            ModelStatus::new,
            CLOCK);
    assertThat(control.getResource()).isPresent();
    ModelStatus s = model.getStatus();
    assertThat(s.getPhase()).isEqualTo(ModelPhase.Fetching);
    assertThat(s.condition(Condition.READY).orElseThrow().getReason()).isEqualTo("Fetching");
    Condition degraded = s.condition(Condition.DEGRADED).orElseThrow();
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo(ConditionReason.ReconcileError.name());
    assertThat(degraded.getMessage()).contains("forbidden");

    var same =
        StatusPatch.error(
            model,
            new KubernetesClientException("Failure executing: PATCH ... Message: forbidden"),
            ModelStatus::new,
            CLOCK);
    assertThat(same.getResource()).as("the same error twice patches once").isEmpty();
  }

  @Test
  void aResourceWithoutStatusGetsOneToCarryTheError() {
    Model model = TestResources.model("ns", "m");
    StatusPatch.error(
        model,
        new IllegalStateException("boom", new RuntimeException("cause")),
        ModelStatus::new,
        CLOCK);
    assertThat(model.getStatus().condition(Condition.DEGRADED).orElseThrow().getMessage())
        .isEqualTo("The last reconcile failed: boom: cause");
  }
}
