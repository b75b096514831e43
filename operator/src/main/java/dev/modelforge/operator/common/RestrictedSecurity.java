package dev.modelforge.operator.common;

import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * Security contexts that satisfy the Kubernetes "restricted" Pod Security Standard, so workload
 * pods run in namespaces that enforce it. No UID or GID is fixed: the kubelet takes them from the
 * image (its numeric USER passes runAsNonRoot), or the platform assigns them (OpenShift's
 * restricted-v2 refuses fixed ones).
 */
public final class RestrictedSecurity {

  private RestrictedSecurity() {}

  /** The pod's context; the volumes' group from modelforge.runtime.fs-group, when set. */
  public static PodSecurityContext pod(ModelForgeConfig config) {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withFsGroup(config.runtime().fsGroup().orElse(null))
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
