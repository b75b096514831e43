package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.ProgressReport;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;

/**
 * Everything one reconcile saw about a FineTuningJob: its spec problems, the base Model, the
 * training Job, the trainer's last report, the output Model if one exists, and why the training pod
 * cannot start when its ServiceAccount is missing.
 */
public record FineTuningObservation(
    FineTuningJob job,
    List<String> specProblems,
    Optional<Model> baseModel,
    Optional<Job> trainJob,
    ProgressReport progress,
    Optional<Model> outputModel,
    Optional<String> missingAccount) {}
