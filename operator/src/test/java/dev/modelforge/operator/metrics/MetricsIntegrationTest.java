package dev.modelforge.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What Prometheus scrapes: JOSDK's reconcile metrics and the per-kind phase gauges. */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class MetricsIntegrationTest {
  static final String NS = "metrics-it";
  static final Path DASHBOARD =
      Path.of("..", "config", "grafana", "modelforge-operator-dashboard.json");

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace(NS);
  }

  final KubernetesClient client = RealApiServer.admin();

  @TestHTTPResource("/q/metrics")
  URI metrics;

  @TestHTTPResource("/q/health/ready")
  URI ready;

  @Test
  void scrapeShowsReconcilesAndResourcesByPhase() throws Exception {
    var model = TestResources.model(NS, "counted");
    model.getMetadata().setUid(null);
    client.resource(model).create();
    new Kubelet(client, NS).completeJob("counted-fetch");
    await()
        .atMost(Kubelet.TIMEOUT)
        .until(
            () -> client.resources(Model.class).inNamespace(NS).withName("counted").get(),
            m -> m.getStatus() != null && m.getStatus().isReadyConditionTrue());

    String scrape = get(metrics);

    assertThat(scrape)
        .containsPattern(
            "modelforge_resources\\{[^}]*kind=\"Model\"[^}]*phase=\"Ready\"[^}]*} [1-9]");
    // JOSDK's series under the names the shipped dashboard queries (a histogram for its quantiles)
    for (String series :
        new String[] {
          "reconciliations_started_total",
          "reconciliations_success_total",
          "reconciliations_execution_duration_seconds_bucket"
        }) {
      assertThat(scrape).containsPattern("(?m)^" + series + "\\{[^}]*controller_name=\"model\"");
    }
    assertThat(get(ready)).contains("\"status\": \"UP\"");
    // the failure counter exists from the first failed reconcile on: the dashboard names it as
    // JOSDK does, in Prometheus's spelling
    assertThat(Files.readString(DASHBOARD))
        .contains("(reconciliations_started_total[")
        .contains("(" + MicrometerMetricsV2.RECONCILIATIONS_FAILED.replace('.', '_') + "[");
  }

  private static String get(URI uri) throws Exception {
    try (var http = HttpClient.newHttpClient()) {
      var response =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    }
  }
}
