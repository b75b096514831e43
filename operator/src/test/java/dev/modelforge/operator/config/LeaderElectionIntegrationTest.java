package dev.modelforge.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.operator.cluster.RealApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The operator holds its Lease as it ships: acquired and then renewed (Fabric8's lock renews with a
 * PATCH) through the shipped Role, authenticated as its ServiceAccount, on a real API server.
 */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class LeaderElectionIntegrationTest {
  final KubernetesClient client = RealApiServer.admin();

  @Test
  void theLeaseIsHeldAndRenewed() {
    var lease =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(this::lease, l -> l != null && l.getSpec().getRenewTime() != null);
    String holder = lease.getSpec().getHolderIdentity();
    var firstRenewal = lease.getSpec().getRenewTime();

    var renewed =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(this::lease, l -> !l.getSpec().getRenewTime().equals(firstRenewal));

    assertThat(holder).isNotBlank();
    assertThat(renewed.getSpec().getHolderIdentity()).isEqualTo(holder);
    assertThat(renewed.getSpec().getLeaseTransitions())
        .isEqualTo(lease.getSpec().getLeaseTransitions());
  }

  private Lease lease() {
    return client
        .leases()
        .inNamespace(RealApiServer.OPERATOR_NAMESPACE)
        .withName(OperatorLeaderElection.LEASE_NAME)
        .get();
  }
}
