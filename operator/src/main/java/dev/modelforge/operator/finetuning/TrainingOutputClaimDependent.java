package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
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
 * The volume for checkpoints and the trained output; it outlives pod restarts so training resumes.
 * Created once: a bound claim's spec is immutable.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.MANAGER))
public class TrainingOutputClaimDependent
    extends KubernetesDependentResource<PersistentVolumeClaim, FineTuningJob>
    implements Creator<PersistentVolumeClaim, FineTuningJob>, GarbageCollected<FineTuningJob> {

  @Inject ModelForgeConfig config;

  public TrainingOutputClaimDependent() {
    super(PersistentVolumeClaim.class);
  }

  @Override
  protected PersistentVolumeClaim desired(FineTuningJob job, Context<FineTuningJob> context) {
    return TrainingWorkload.fromCrd(job, config).generateOutputClaim();
  }
}
