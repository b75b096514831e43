package dev.modelforge.operator.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelPhase;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The scale benchmark: many InferenceServices on one Ready Model, until every one is Ready (the
 * test plays the Deployment controller, marking each Deployment available once it exists). Prints
 * the times, the InferenceService controller's reconciles and their rate, this JVM's heap and RSS
 * (operator and test share it) and the RSS of kube-apiserver and etcd. Asserts that all got there,
 * never how fast. Opt-in: {@code ./mvnw -pl operator test -Dtest=ScaleTest -Dscaletest.count=1000}.
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

  @Inject MeterRegistry registry;

  @Test
  void manyInferenceServicesAllBecomeReady() throws Exception {
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
    // kube-api-test fixes the API server's service range at 10.0.0.0/24 (254 Services); a
    // ServiceCIDR (networking.k8s.io/v1, GA since 1.33) widens it as a cluster admin would
    client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: networking.k8s.io/v1
                kind: ServiceCIDR
                metadata: {name: scale-benchmark}
                spec: {cidrs: ["10.1.0.0/16"]}
                """,
                GenericKubernetesResource.class))
        .createOr(NonDeletingOperation::update);
    double reconcilesBefore = reconciles();

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
    long dependents = System.nanoTime();

    Set<String> available = new HashSet<>();
    await()
        .atMost(Duration.ofMinutes(10))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              for (Deployment d : client.apps().deployments().inNamespace(NS).list().getItems()) {
                String name = d.getMetadata().getName();
                if (!available.contains(name)) {
                  try {
                    kubelet.rollOut(name, 1, 1);
                    available.add(name);
                  } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                      throw e;
                    }
                    // the operator wrote it meanwhile: again at the next poll
                  }
                }
              }
              return client
                      .resources(InferenceService.class)
                      .inNamespace(NS)
                      .list()
                      .getItems()
                      .stream()
                      .filter(
                          isvc ->
                              isvc.getStatus() != null && isvc.getStatus().isReadyConditionTrue())
                      .count()
                  == count;
            });
    long ready = System.nanoTime();
    double reconciled = reconciles() - reconcilesBefore;

    System.gc();
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    System.out.printf(
        "SCALE %d InferenceServices: created in %.1f s, all Deployments and Services after %.1f s,"
            + " all Ready after %.1f s; %.0f reconciles (%.1f/s); heap after GC %d MiB; RSS:"
            + " this JVM %s, kube-apiserver %s, etcd %s%n",
        count,
        (created - start) / 1e9,
        (dependents - start) / 1e9,
        (ready - start) / 1e9,
        reconciled,
        reconciled / ((ready - start) / 1e9),
        heap >> 20,
        rss(ProcessHandle.current()),
        rssOf("kube-apiserver"),
        rssOf("etcd"));
    assertThat(available).hasSize(count);
  }

  /** The InferenceService controller's reconciles so far (JOSDK's started counter). */
  private double reconciles() {
    return registry
        .find("reconciliations.started.total")
        .tag("controller.name", "inferenceservice")
        .counters()
        .stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private static String rssOf(String binary) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("/" + binary)).orElse(false))
        .findFirst()
        .map(ScaleTest::rss)
        .orElse("unknown");
  }

  private static String rss(ProcessHandle process) {
    try {
      return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .map(l -> l.substring("VmRSS:".length()).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
