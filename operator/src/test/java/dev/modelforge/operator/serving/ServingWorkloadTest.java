package dev.modelforge.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.api.v1alpha1.EngineSpec;
import dev.modelforge.operator.api.v1alpha1.ReplicaRange;
import dev.modelforge.operator.api.v1alpha1.Scheduling;
import dev.modelforge.operator.api.v1alpha1.ServingDtype;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServingWorkloadTest {

  @Test
  void theServerRunsAThreadPerRequestedCoreAndSizesItsKvCacheFromItsMemory() {
    for (var c : java.util.Map.of("2500m", "2", "500m", "1", "4", "4").entrySet()) {
      var service = TestResources.inferenceService("ns", "chat", "qwen");
      var resources = new dev.modelforge.operator.api.v1alpha1.WorkloadResources();
      resources.setCpu(c.getKey());
      service.getSpec().setResources(resources);

      assertThat(ServingWorkload.fromCrd(service, TestResources.config()).serverArgs())
          .as("cpu %s", c.getKey())
          .containsSequence("--threads", c.getValue())
          .containsSequence("--kv-cache-memory", "auto");
    }
  }

  @Test
  void aPodGivenGpusIsToldToRunOnThem() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");
    var resources = new dev.modelforge.operator.api.v1alpha1.WorkloadResources();
    resources.setGpus(2);
    service.getSpec().setResources(resources);

    var args = ServingWorkload.fromCrd(service, TestResources.config()).serverArgs();

    assertThat(args).containsSequence("--device", "cuda");
    resources.setGpus(0);
    assertThat(ServingWorkload.fromCrd(service, TestResources.config()).serverArgs())
        .containsSequence("--device", "cpu");
  }

  @Test
  void deploymentServesTheModelAndEachAdapterUnderItsName() {
    var service = TestResources.inferenceService("ns", "chat", "qwen", "arith", "poems");

    var deployment = ServingWorkload.fromCrd(service, TestResources.config()).generateDeployment();

    var pod = deployment.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getArgs())
        .containsExactly(
            "serve",
            "--model",
            "/models/qwen",
            "--adapter",
            "arith=/models/arith",
            "--adapter",
            "poems=/models/poems",
            "--port",
            "8000",
            "--drain-timeout",
            "30s",
            "--threads",
            "1",
            "--device",
            "cuda",
            "--kv-cache-memory",
            "auto");
    assertThat(pod.getVolumes())
        .extracting(
            v ->
                v.getPersistentVolumeClaim() == null
                    ? null
                    : v.getPersistentVolumeClaim().getClaimName())
        .containsExactly("qwen-weights", "arith-weights", "poems-weights", null);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("modelforge.dev/served-models", "qwen,arith,poems");
    assertThat(deployment.getSpec().getSelector().getMatchLabels())
        .isEqualTo(
            Map.of(
                "app.kubernetes.io/name", "inferenceservice",
                "app.kubernetes.io/instance", "chat",
                "app.kubernetes.io/component", "serve"));
  }

  @Test
  void serverPodIsRestrictedAndProbedOnTheEnginesHealth() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");

    var pod =
        ServingWorkload.fromCrd(service, TestResources.config())
            .generateDeployment()
            .getSpec()
            .getTemplate()
            .getSpec();

    var container = pod.getContainers().get(0);
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    assertThat(container.getStartupProbe()).isNotNull();
    var security = container.getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    // SIGKILL comes only after the server's 30 s drain and its aborts
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(45L);
    assertThat(container.getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
  }

  @Test
  void anApiKeySecretBecomesTheServersKeyVariable() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");
    var plain =
        ServingWorkload.fromCrd(service, TestResources.config())
            .generateDeployment()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(plain.getEnv()).isEmpty();

    service
        .getSpec()
        .setApiKeySecretRef(
            new dev.modelforge.operator.api.v1alpha1.SecretKeyReference("chat-key", "token"));
    var container =
        ServingWorkload.fromCrd(service, TestResources.config())
            .generateDeployment()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);

    assertThat(container.getEnv()).hasSize(1);
    var env = container.getEnv().get(0);
    assertThat(env.getName()).isEqualTo("MODELFORGE_SERVE_API_KEY");
    assertThat(env.getValue()).as("the key never appears in the Deployment").isNull();
    assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("chat-key");
    assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
  }

  @Test
  void engineSettingsBecomeServerFlags() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");
    var engine = new EngineSpec();
    engine.setMaxBatchSize(32);
    engine.setMaxSequenceLength(4096);
    engine.setPrefixCaching(true);
    engine.setDtype(ServingDtype.BFLOAT16);
    service.getSpec().setEngine(engine);

    var args = ServingWorkload.fromCrd(service, TestResources.config()).serverArgs();

    assertThat(args)
        .containsSequence("--max-batch-size", "32")
        .containsSequence("--max-sequence-length", "4096")
        .contains("--prefix-caching")
        .containsSequence("--dtype", "bfloat16");
  }

  @Test
  void droppingASpecFieldChangesTheHashThatTheMatcherSees() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");
    var scheduling = new Scheduling();
    scheduling.setNodeSelector(Map.of("pool", "gpu"));
    service.getSpec().setScheduling(scheduling);
    var placed = ServingWorkload.fromCrd(service, TestResources.config()).generateDeployment();
    service.getSpec().setScheduling(null);
    var unplaced = ServingWorkload.fromCrd(service, TestResources.config()).generateDeployment();
    var again = ServingWorkload.fromCrd(service, TestResources.config()).generateDeployment();

    assertThat(hash(unplaced)).isNotEqualTo(hash(placed));
    assertThat(hash(again)).isEqualTo(hash(unplaced));
  }

  private static String hash(io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
    return deployment
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get("modelforge.dev/pod-spec-hash");
  }

  @Test
  void replicasFollowMinCappedAtMax() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");
    service.getSpec().setReplicas(new ReplicaRange(3, 4));
    assertThat(ServingWorkload.desiredReplicas(service)).isEqualTo(3);
    service.getSpec().setReplicas(new ReplicaRange(9, 4));
    assertThat(ServingWorkload.desiredReplicas(service)).isEqualTo(4);
  }

  @Test
  void schedulingPassesThroughAndTheServiceTargetsTheServerPods() {
    var service = TestResources.inferenceService("ns", "chat", "qwen");
    var scheduling = new Scheduling();
    scheduling.setAffinity(
        new AffinityBuilder()
            .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .addNewNodeSelectorTerm()
            .addNewMatchExpression()
            .withKey("gpu")
            .withOperator("Exists")
            .endMatchExpression()
            .endNodeSelectorTerm()
            .endRequiredDuringSchedulingIgnoredDuringExecution()
            .endNodeAffinity()
            .build());
    service.getSpec().setScheduling(scheduling);
    var workload = ServingWorkload.fromCrd(service, TestResources.config());

    var pod = workload.generateDeployment().getSpec().getTemplate().getSpec();
    var endpoint = workload.generateService();

    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    assertThat(endpoint.getMetadata().getName()).isEqualTo("chat");
    assertThat(endpoint.getSpec().getSelector())
        .isEqualTo(workload.generateDeployment().getSpec().getSelector().getMatchLabels());
    assertThat(endpoint.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo("http");
    assertThat(ServingWorkload.url(service)).isEqualTo("http://chat.ns.svc:8000/v1");
  }
}
