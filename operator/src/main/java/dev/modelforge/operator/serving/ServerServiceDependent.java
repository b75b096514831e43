package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import jakarta.inject.Inject;

/** The stable in-cluster address of the OpenAI-compatible API: {@code <name>.<ns>.svc:8000}. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class ServerServiceDependent
    extends CRUDKubernetesDependentResource<Service, InferenceService> {

  @Inject ModelForgeConfig config;

  public ServerServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(InferenceService service, Context<InferenceService> context) {
    return ServingWorkload.fromCrd(service, config).generateService();
  }
}
