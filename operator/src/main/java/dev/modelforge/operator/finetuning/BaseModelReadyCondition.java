package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.common.ModelInformer;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Training starts once the base Model is Ready. A Job that already runs is kept even if the base
 * changes afterwards: JOSDK deletes a dependent whose precondition turns false, and killing a
 * half-done training run would waste it.
 */
public class BaseModelReadyCondition implements Condition<Job, FineTuningJob> {

  @Override
  public boolean isMet(
      DependentResource<Job, FineTuningJob> dependent,
      FineTuningJob job,
      Context<FineTuningJob> context) {
    if (dependent.getSecondaryResource(job, context).isPresent()) {
      return true;
    }
    return ModelInformer.referenced(job, context, job.getSpec().getBaseModel().getName())
        .map(base -> base.getStatus() != null && base.getStatus().isReadyConditionTrue())
        .orElse(false);
  }
}
