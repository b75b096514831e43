package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import jakarta.inject.Inject;

/** The server pods; a change of model, adapters, engine or replicas rolls or scales them. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class ServerDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, InferenceService> {

  @Inject ModelForgeConfig config;

  public ServerDeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(InferenceService service, Context<InferenceService> context) {
    return ServingWorkload.fromCrd(service, config).generateDeployment();
  }
}
