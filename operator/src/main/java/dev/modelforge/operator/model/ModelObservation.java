package dev.modelforge.operator.model;

import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.ProgressReport;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;

/**
 * Everything one reconcile saw about a Model: its spec problems, its fetch Job, the fetch pod's
 * last report, for an adapter its base, and why the fetch pod cannot start when its ServiceAccount
 * is missing.
 */
public record ModelObservation(
    Model model,
    List<String> specProblems,
    Optional<Job> fetchJob,
    ProgressReport progress,
    Optional<Model> base,
    Optional<String> missingAccount) {}
