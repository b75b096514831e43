package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Checks an InferenceService's spec before anything is created, with the rules the CRD schema
 * states (for API servers that do not apply it) plus duplicate adapters.
 */
public final class InferenceServiceValidator {
  private InferenceServiceValidator() {}

  public static List<String> problems(InferenceService service) {
    var spec = service.getSpec();
    if (spec == null) {
      return List.of("spec is required");
    }
    var problems = new ArrayList<String>();
    String model = spec.getModel() == null ? null : spec.getModel().getName();
    if (model == null || model.isBlank()) {
      problems.add("spec.model.name is required");
    }
    var replicas = spec.getReplicas();
    if (replicas == null || replicas.getMin() == null || replicas.getMax() == null) {
      problems.add("spec.replicas.min and spec.replicas.max are required");
    } else {
      if (replicas.getMin() < 0) {
        problems.add("spec.replicas.min must be >= 0, got " + replicas.getMin());
      }
      if (replicas.getMax() < 1) {
        problems.add("spec.replicas.max must be >= 1, got " + replicas.getMax());
      }
      if (replicas.getMin() > replicas.getMax()) {
        problems.add(
            "replicas.min must be <= replicas.max, got min "
                + replicas.getMin()
                + " and max "
                + replicas.getMax());
      }
    }
    var seen = new HashSet<String>();
    for (ModelReference adapter :
        spec.getAdapters() == null ? List.<ModelReference>of() : spec.getAdapters()) {
      if (adapter == null || adapter.getName() == null) {
        problems.add("every spec.adapters entry needs a name");
      } else if (adapter.getName().equals(model)) {
        problems.add("an adapter cannot be the served model itself: " + model);
      } else if (!seen.add(adapter.getName())) {
        problems.add("adapter " + adapter.getName() + " is listed twice");
      }
    }
    return problems;
  }
}
