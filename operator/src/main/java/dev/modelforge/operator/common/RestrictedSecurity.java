package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * Security contexts that satisfy the Kubernetes "restricted" Pod Security Standard, so workload
 * pods run in namespaces that enforce it.
 */
public final class RestrictedSecurity {
  /** The runtime image's non-root user. */
  public static final long USER_ID = 1000L;

  private RestrictedSecurity() {}

  public static PodSecurityContext pod() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(USER_ID)
        .withRunAsGroup(USER_ID)
        // Volumes become writable by the runtime's group without running as root.
        .withFsGroup(USER_ID)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  public static SecurityContext container() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }
}
