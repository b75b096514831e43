package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import jakarta.inject.Inject;

/** The trainer's config file (method, hyperparameters, dataset format), mounted into the pod. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class TrainingConfigDependent
    extends CRUDKubernetesDependentResource<ConfigMap, FineTuningJob> {

  @Inject ModelForgeConfig config;

  public TrainingConfigDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(FineTuningJob job, Context<FineTuningJob> context) {
    return TrainingWorkload.fromCrd(job, config).generateConfigMap();
  }
}
