package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.Model;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one reconcile saw about an InferenceService: its spec problems, the Models it serves
 * (those that exist, by name), and its Deployment and Service.
 */
public record ServingObservation(
    InferenceService service,
    List<String> specProblems,
    Map<String, Model> models,
    Optional<Deployment> deployment,
    Optional<Service> endpoint) {}
