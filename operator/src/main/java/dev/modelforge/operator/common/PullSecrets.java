package dev.modelforge.operator.common;

import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.List;

/** The runtime image's pull secrets (modelforge.runtime.image-pull-secrets) as pods name them. */
public final class PullSecrets {
  private PullSecrets() {}

  public static List<LocalObjectReference> of(ModelForgeConfig config) {
    return config.runtime().imagePullSecrets().orElse(List.of()).stream()
        .map(LocalObjectReference::new)
        .toList();
  }
}
