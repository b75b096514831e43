package dev.modelforge.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * ModelForge's own settings, typed (environment variables such as MODELFORGE_RUNTIME_IMAGE override
 * them). application.properties keeps only framework switches.
 */
@ConfigMapping(prefix = "modelforge")
public interface ModelForgeConfig {

  Runtime runtime();

  Defaults defaults();

  /** Namespaces whose resources the operator reconciles; every namespace when empty. */
  Optional<Set<String>> watchNamespaces();

  /** The image every workload pod runs and how it is pulled. */
  interface Runtime {
    @WithDefault("ghcr.io/modelforge/runtime:0.1.0")
    String image();

    @WithDefault("IfNotPresent")
    String pullPolicy();

    /** The runtime's launcher inside the image. */
    @WithDefault("/opt/modelforge/bin/modelforge")
    String command();

    /** ServiceAccount of the workload pods, which report progress into a ConfigMap. */
    @WithDefault("modelforge-workload")
    String serviceAccount();

    /**
     * Secrets in each workload's namespace that pull the runtime image from a private registry,
     * added to every pod the operator creates.
     */
    Optional<List<String>> imagePullSecrets();

    /**
     * The group that owns the workload pods' volumes ({@code fsGroup}), so the image's user (UID
     * 10001, group 0) can write them; {@code none} leaves it to the platform, as OpenShift's
     * restricted-v2 wants (it assigns one from the namespace's range). The pods' UID is never set:
     * it comes from the image, or from the platform.
     */
    @WithDefault("10001")
    @WithConverter(GroupIdConverter.class)
    Optional<Long> fsGroup();
  }

  /** Compute and storage a workload gets when its spec leaves them out. */
  interface Defaults {
    @WithDefault("1")
    String cpu();

    @WithDefault("4Gi")
    String memory();

    /** Size of a FineTuningJob's checkpoint and output volume. */
    @WithDefault("20Gi")
    String trainingStorageSize();
  }
}
