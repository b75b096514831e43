package dev.modelforge.operator.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.operator.api.v1alpha1.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommonPartsTest {

  @Test
  void conditionKeepsItsTransitionTimeWhileItsStatusHolds() {
    var t0 = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    var t1 = Clock.fixed(Instant.parse("2026-01-01T01:00:00Z"), ZoneOffset.UTC);
    List<Condition> first =
        new Conditions(List.of(), 1L, t0)
            .set("Ready", false, ConditionReason.Fetching, "a")
            .build();

    var same =
        new Conditions(first, 2L, t1)
            .set("Ready", false, ConditionReason.Training, "b")
            .build()
            .get(0);
    var flipped =
        new Conditions(first, 2L, t1)
            .set("Ready", true, ConditionReason.Succeeded, "c")
            .build()
            .get(0);

    assertThat(same.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(same.getObservedGeneration()).isEqualTo(2L);
    assertThat(flipped.getLastTransitionTime()).isEqualTo("2026-01-01T01:00:00Z");
  }

  @Test
  void jobStateReadsConditionsBeforeCounters() {
    assertThat(JobState.of(Optional.empty()).phase()).isEqualTo(JobState.Phase.ABSENT);
    assertThat(JobState.of(Optional.of(new JobBuilder().build())).phase())
        .isEqualTo(JobState.Phase.PENDING);
    var failedAfterRetries =
        new JobBuilder()
            .withNewStatus()
            .withActive(0)
            .withFailed(3)
            .addNewCondition()
            .withType("Failed")
            .withStatus("True")
            .withReason("DeadlineExceeded")
            .withMessage("Job was active longer than specified deadline")
            .endCondition()
            .endStatus()
            .build();
    var state = JobState.of(Optional.of(failedAfterRetries));
    assertThat(state.phase()).isEqualTo(JobState.Phase.FAILED);
    assertThat(state.message())
        .isEqualTo("DeadlineExceeded: Job was active longer than specified deadline");
  }

  @Test
  void bytesReadLikeTheDesignsExamples() {
    assertThat(Bytes.human(999)).isEqualTo("999B");
    assertThat(Bytes.human(988_000_000L)).isEqualTo("988MB");
    assertThat(Bytes.human(1_550_000_000L)).isEqualTo("1.5GB");
  }

  @Test
  void progressConfigMapsMapToTheResourceTheyReportOn() {
    var fetch = configMap("qwen-fetch-progress");
    var train = configMap("qwen-train-progress");
    var unrelated = configMap("qwen");

    assertThat(ProgressInformer.reportedResource(fetch, "fetch"))
        .containsExactly(new ResourceID("qwen", "ns"));
    assertThat(ProgressInformer.reportedResource(train, "train"))
        .containsExactly(new ResourceID("qwen", "ns"));
    assertThat(ProgressInformer.reportedResource(unrelated, "fetch")).isEmpty();
    assertThat(ProgressInformer.reportedResource(configMap("-fetch-progress"), "fetch")).isEmpty();
  }

  /** A FineTuningJob and the Model it outputs share a name; their reports must not. */
  @Test
  void aJobAndItsOutputModelReportIntoDifferentConfigMaps() {
    assertThat(ProgressReports.configMapName("arith", "train"))
        .isNotEqualTo(ProgressReports.configMapName("arith", "fetch"));
  }

  private static io.fabric8.kubernetes.api.model.ConfigMap configMap(String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .endMetadata()
        .build();
  }

  @Test
  void unreadableReportsCountAsNone() {
    var garbage = new ConfigMapBuilder().addToData(ProgressReports.DATA_KEY, "{not json").build();
    var array = new ConfigMapBuilder().addToData(ProgressReports.DATA_KEY, "[1,2]").build();

    assertThat(ProgressReport.from(Optional.of(garbage)).isPresent()).isFalse();
    assertThat(ProgressReport.from(Optional.of(array)).isPresent()).isFalse();
    assertThat(ProgressReport.from(Optional.empty()).isPresent()).isFalse();
  }

  /** Every pod the operator creates can pull the runtime image from a private registry. */
  @Test
  void everyWorkloadPodCarriesTheRuntimesPullSecrets() {
    var config = TestResources.config(java.util.List.of("registry-cred"));
    var fetch =
        dev.modelforge.operator.model.ModelWorkload.fromCrd(TestResources.model("ns", "m"), config)
            .generateFetchJob()
            .getSpec()
            .getTemplate()
            .getSpec();
    var train =
        dev.modelforge.operator.finetuning.TrainingWorkload.fromCrd(
                TestResources.loraJob("ns", "j", "m", "out"), config)
            .generateTrainJob()
            .getSpec()
            .getTemplate()
            .getSpec();
    var serve =
        dev.modelforge.operator.serving.ServingWorkload.fromCrd(
                TestResources.inferenceService("ns", "s", "m"), config)
            .generateDeployment()
            .getSpec()
            .getTemplate()
            .getSpec();

    for (var pod : java.util.List.of(fetch, train, serve)) {
      assertThat(pod.getImagePullSecrets())
          .extracting(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
          .containsExactly("registry-cred");
    }
    assertThat(
            dev.modelforge.operator.model.ModelWorkload.fromCrd(
                    TestResources.model("ns", "m"), TestResources.config())
                .generateFetchJob()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getImagePullSecrets())
        .isEmpty();
  }

  /**
   * No pod fixes its UID or GID (they come from the image, or from the platform); the volumes'
   * group is the configured fsGroup, and "none" leaves it to the platform.
   */
  @Test
  void workloadPodsTakeTheirUserFromTheImageAndTheVolumeGroupFromConfig() {
    for (var fsGroup : java.util.List.of(Optional.of(10001L), Optional.<Long>empty())) {
      var config = TestResources.config(java.util.List.of(), fsGroup);
      var pods =
          java.util.List.of(
              dev.modelforge.operator.model.ModelWorkload.fromCrd(
                      TestResources.model("ns", "m"), config)
                  .generateFetchJob()
                  .getSpec()
                  .getTemplate()
                  .getSpec(),
              dev.modelforge.operator.finetuning.TrainingWorkload.fromCrd(
                      TestResources.loraJob("ns", "j", "m", "out"), config)
                  .generateTrainJob()
                  .getSpec()
                  .getTemplate()
                  .getSpec(),
              dev.modelforge.operator.serving.ServingWorkload.fromCrd(
                      TestResources.inferenceService("ns", "s", "m"), config)
                  .generateDeployment()
                  .getSpec()
                  .getTemplate()
                  .getSpec());
      for (var pod : pods) {
        var security = pod.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getRunAsUser()).isNull();
        assertThat(security.getRunAsGroup()).isNull();
        assertThat(security.getFsGroup()).isEqualTo(fsGroup.orElse(null));
        for (var container : pod.getContainers()) {
          assertThat(container.getSecurityContext().getRunAsUser()).isNull();
        }
      }
    }
  }

  @Test
  void theVolumeGroupSettingTakesAGroupIdOrNone() {
    var converter = new dev.modelforge.operator.config.GroupIdConverter();
    assertThat(converter.convert("10001")).isEqualTo(10001L);
    assertThat(converter.convert(" none ")).isNull();
    for (String bad : java.util.List.of("-1", "root", "1.5")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> converter.convert(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'none', got '" + bad + "'");
    }
  }
}
