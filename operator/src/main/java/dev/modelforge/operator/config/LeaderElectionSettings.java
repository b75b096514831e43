package dev.modelforge.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the operator holds its Lease (modelforge.leader-election.*). */
@ConfigMapping(prefix = "modelforge.leader-election")
public interface LeaderElectionSettings {

  /**
   * Whether the process exits when it stops leading, so that a replica which lost its Lease
   * restarts and campaigns again instead of running unreconciled. JOSDK also stops leading on an
   * ordinary shutdown; only a test JVM that restarts the application keeps running (false).
   */
  @WithDefault("true")
  boolean exitOnStopLeading();
}
