package dev.modelforge.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * Only one replica of the operator reconciles at a time; the others wait on the Lease in the
 * operator's namespace. The extension activates it in the prod profile only, so tests and the local
 * mode run without a Lease.
 *
 * <p>A bean of this type is how the extension finds the configuration; JOSDK 5.3 deprecates the
 * constructor in favour of its builder. Leader election could not be exercised here without a
 * cluster: JOSDK starts the informers before it campaigns for the Lease.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {
  public static final String LEASE_NAME = "modelforge-operator-leader";

  public OperatorLeaderElection() {
    super(LEASE_NAME);
  }
}
