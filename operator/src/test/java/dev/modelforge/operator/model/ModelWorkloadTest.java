package dev.modelforge.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.api.v1alpha1.Scheduling;
import dev.modelforge.operator.api.v1alpha1.SecretReference;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelWorkloadTest {

  @Test
  void claimHasTheRequestedSizeClassAndOwner() {
    var model = TestResources.model("ns", "qwen");

    var claim = ModelWorkload.fromCrd(model, TestResources.config()).generateClaim();

    assertThat(claim.getMetadata().getName()).isEqualTo("qwen-weights");
    assertThat(claim.getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("4Gi"));
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast");
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    model
        .getSpec()
        .getStorage()
        .setAccessMode(dev.modelforge.operator.api.v1alpha1.VolumeAccessMode.ReadWriteMany);
    assertThat(
            ModelWorkload.fromCrd(model, TestResources.config())
                .generateClaim()
                .getSpec()
                .getAccessModes())
        .containsExactly("ReadWriteMany");
    assertThat(claim.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo("uid-qwen"));
    assertThat(claim.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/component", "weights")
        .containsEntry("app.kubernetes.io/managed-by", "modelforge-operator");
  }

  @Test
  void fetchJobRunsTheRuntimeFetchIntoTheModelsVolume() {
    var model = TestResources.model("ns", "qwen");

    var job = ModelWorkload.fromCrd(model, TestResources.config()).generateFetchJob();

    var pod = job.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(job.getMetadata().getName()).isEqualTo("qwen-fetch");
    assertThat(container.getImage()).isEqualTo("ghcr.io/modelforge/runtime:test");
    assertThat(container.getCommand()).containsExactly("/opt/modelforge/bin/modelforge");
    assertThat(container.getArgs())
        .containsExactly(
            "fetch",
            "--source",
            "hf://Qwen/Qwen2.5-0.5B-Instruct@main",
            "--dest",
            "/models/qwen",
            "--progress-file",
            "/var/run/modelforge/progress.json");
    assertThat(container.getVolumeMounts())
        .extracting(VolumeMount::getMountPath)
        .contains("/models/qwen", "/var/run/modelforge", "/tmp");
    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("qwen-weights"));
    assertThat(container.getEnv())
        .extracting(EnvVar::getName, EnvVar::getValue)
        .contains(
            org.assertj.core.groups.Tuple.tuple(
                "MODELFORGE_PROGRESS_CONFIGMAP", "qwen-fetch-progress"),
            org.assertj.core.groups.Tuple.tuple(
                "MODELFORGE_PROGRESS_LABEL", "modelforge.dev/progress=fetch"));
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getEnvFrom()).isEmpty();
  }

  @Test
  void credentialsArriveAsEnvironmentFromTheSecretNeverAsArguments() {
    var model = TestResources.model("ns", "private");
    model.getSpec().getSource().setCredentialsSecretRef(new SecretReference("hf-token"));

    var container =
        ModelWorkload.fromCrd(model, TestResources.config())
            .generateFetchJob()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);

    assertThat(container.getEnvFrom())
        .singleElement()
        .satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("hf-token"));
    assertThat(String.join(" ", container.getArgs())).doesNotContain("hf-token");
  }

  @Test
  void inClusterSourcesAreMountedReadOnlyUnderTheSourceRoot() {
    var model = TestResources.model("ns", "copy");
    model.getSpec().getSource().setUri("pvc://arith-lora-output/model");

    var pod =
        ModelWorkload.fromCrd(model, TestResources.config())
            .generateFetchJob()
            .getSpec()
            .getTemplate()
            .getSpec();

    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> {
              assertThat(v.getName()).isEqualTo("source");
              assertThat(v.getPersistentVolumeClaim().getClaimName())
                  .isEqualTo("arith-lora-output");
              assertThat(v.getPersistentVolumeClaim().getReadOnly()).isTrue();
            });
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/mnt/sources/pvc/arith-lora-output");
              assertThat(m.getReadOnly()).isTrue();
            });
  }

  @Test
  void schedulingPassesThroughToThePod() {
    var model = TestResources.model("ns", "placed");
    var scheduling = new Scheduling();
    scheduling.setNodeSelector(Map.of("pool", "cpu"));
    scheduling.setTolerations(
        java.util.List.of(
            new TolerationBuilder().withKey("dedicated").withOperator("Exists").build()));
    scheduling.setPriorityClassName("batch");
    scheduling.setRuntimeClassName("gvisor");
    model.getSpec().setScheduling(scheduling);

    var pod =
        ModelWorkload.fromCrd(model, TestResources.config())
            .generateFetchJob()
            .getSpec()
            .getTemplate()
            .getSpec();

    assertThat(pod.getNodeSelector()).containsEntry("pool", "cpu");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getPriorityClassName()).isEqualTo("batch");
    assertThat(pod.getRuntimeClassName()).isEqualTo("gvisor");
  }
}
