package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
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

/** The batch Job that runs the trainer. Created, never updated: the spec is immutable. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class TrainJobDependent extends KubernetesDependentResource<Job, FineTuningJob>
    implements Creator<Job, FineTuningJob>, GarbageCollected<FineTuningJob> {

  @Inject ModelForgeConfig config;

  public TrainJobDependent() {
    super(Job.class);
  }

  @Override
  protected Job desired(FineTuningJob job, Context<FineTuningJob> context) {
    return TrainingWorkload.fromCrd(job, config).generateTrainJob();
  }
}
