package dev.modelforge.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.cluster.RealApiServer;
import dev.modelforge.operator.common.Kubelet;
import dev.modelforge.operator.common.TestResources;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** modelforge.watch-namespaces limits what the operator touches. */
@QuarkusTest
@WithTestResource(RealApiServer.class)
@TestProfile(WatchedNamespacesIntegrationTest.OnlyWatched.class)
class WatchedNamespacesIntegrationTest {

  public static class OnlyWatched implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("modelforge.watch-namespaces", "watched");
    }
  }

  final KubernetesClient client = RealApiServer.admin();

  @BeforeAll
  static void createNamespace() {
    RealApiServer.namespace("watched");
    RealApiServer.namespace("elsewhere");
  }

  @Test
  void resourcesOutsideTheWatchedNamespacesAreLeftAlone() {
    var ignored = TestResources.model("elsewhere", "m");
    ignored.getMetadata().setUid(null);
    client.resource(ignored).create();
    var watched = TestResources.model("watched", "m");
    watched.getMetadata().setUid(null);
    client.resource(watched).create();

    new Kubelet(client, "watched").awaitExists(PersistentVolumeClaim.class, "m-weights");
    // The watched one was reconciled; give the other the same time and more.
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(new Kubelet(client, "elsewhere").get(PersistentVolumeClaim.class, "m-weights"))
        .isNull();
  }
}
