package dev.modelforge.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Only one replica of the operator reconciles at a time; the others wait on the Lease in the
 * operator's namespace. Active in the prod and test profiles (application.properties), so the
 * integration tests hold and renew the Lease through the shipped Role on a real API server.
 *
 * <p>A bean of this type is how the extension finds the configuration; JOSDK 5.3 deprecates the
 * constructor in favour of its builder, whose result a subclass cannot take; JOSDK starts the
 * informers before it campaigns for the Lease.
 */
@Singleton
public class OperatorLeaderElection extends LeaderElectionConfiguration {
  public static final String LEASE_NAME = "modelforge-operator-leader";

  @Inject
  public OperatorLeaderElection(LeaderElectionSettings settings) {
    super(
        LEASE_NAME,
        null, // the operator's own namespace
        LEASE_DURATION_DEFAULT_VALUE,
        RENEW_DEADLINE_DEFAULT_VALUE,
        RETRY_PERIOD_DEFAULT_VALUE,
        null, // identity: JOSDK's default
        null, // no callbacks of our own
        settings.exitOnStopLeading());
  }
}
