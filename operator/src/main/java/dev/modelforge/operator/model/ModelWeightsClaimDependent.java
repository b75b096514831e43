package dev.modelforge.operator.model;

import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import jakarta.inject.Inject;

/**
 * The volume of a Model's files. Created once and never updated: a bound claim's spec is immutable
 * except for expansion, which the storage class must allow.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class ModelWeightsClaimDependent
    extends KubernetesDependentResource<PersistentVolumeClaim, Model>
    implements Creator<PersistentVolumeClaim, Model>, GarbageCollected<Model> {

  @Inject ModelForgeConfig config;

  public ModelWeightsClaimDependent() {
    super(PersistentVolumeClaim.class);
  }

  @Override
  protected PersistentVolumeClaim desired(Model model, Context<Model> context) {
    return ModelWorkload.fromCrd(model, config).generateClaim();
  }
}
