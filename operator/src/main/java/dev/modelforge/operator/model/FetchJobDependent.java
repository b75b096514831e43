package dev.modelforge.operator.model;

import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import jakarta.inject.Inject;

/**
 * The Job that fetches a Model's files. Created, never updated: a Job's pod template is immutable,
 * and the Model's source is too. Deleting a failed Job retries the fetch.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class FetchJobDependent extends KubernetesDependentResource<Job, Model>
    implements Creator<Job, Model>, GarbageCollected<Model> {

  @Inject ModelForgeConfig config;

  public FetchJobDependent() {
    super(Job.class);
  }

  @Override
  protected Job desired(Model model, Context<Model> context) {
    return ModelWorkload.fromCrd(model, config).generateFetchJob();
  }
}
