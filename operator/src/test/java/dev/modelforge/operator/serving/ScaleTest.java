package dev.modelforge.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Creates many InferenceServices on one Ready Model and reports how long until every Deployment and
 * Service exists, and the JVM's heap and RSS afterwards (operator, API server and test share the
 * JVM). Opt-in: {@code -Dscaletest.count=1000}.
 */
@QuarkusTest
@WithTestResource(RealApiServer.class)
@EnabledIfSystemProperty(named = "scaletest.count", matches = "\\d+")
class ScaleTest {
  static final String NS = "scale";

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace(NS);
  }

  final KubernetesClient client = RealApiServer.admin();

  @Test
  void manyInferenceServicesAllGetTheirDependents() throws Exception {
    int count = Integer.getInteger("scaletest.count");
    var kubelet = new Kubelet(client, NS);
    var model = TestResources.model(NS, "shared");
    model.getMetadata().setUid(null);
    client.resource(model).create();
    kubelet.completeJob("shared-fetch");
    await()
        .atMost(Kubelet.TIMEOUT)
        .until(
            () -> kubelet.get(Model.class, "shared"),
            m -> m.getStatus() != null && m.getStatus().getPhase() == ModelPhase.Ready);

    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      var service = TestResources.inferenceService(NS, "isvc-" + i, "shared");
      service.getMetadata().setUid(null);
      client.resource(service).create();
    }
    long created = System.nanoTime();
    await()
        .atMost(Duration.ofMinutes(10))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                client.apps().deployments().inNamespace(NS).list().getItems().size() == count
                    && client.services().inNamespace(NS).list().getItems().size() == count);
    long done = System.nanoTime();

    System.gc();
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    String rss =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("VmRSS"))
            .findFirst()
            .orElse("VmRSS: unknown");
    System.out.printf(
        "SCALE %d InferenceServices: created in %d ms, all Deployments and Services after %d ms;"
            + " heap after GC %d MiB; %s%n",
        count,
        (created - start) / 1_000_000,
        (done - start) / 1_000_000,
        heap >> 20,
        rss.replaceAll("\\s+", " "));
    assertThat(client.resources(Deployment.class).inNamespace(NS).list().getItems()).hasSize(count);
    assertThat(client.resources(Service.class).inNamespace(NS).list().getItems()).hasSize(count);
  }
}
