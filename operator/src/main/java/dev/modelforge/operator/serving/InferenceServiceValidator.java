package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The rules on an InferenceService's spec that its CRD schema cannot state (adapters listed twice);
 * the schema is the one home of the others (required fields, replica bounds, min <= max and an
 * adapter that is the served model, in CEL), applied by the API server before the operator sees the
 * object.
 */
public final class InferenceServiceValidator {
  private InferenceServiceValidator() {}

  public static List<String> problems(InferenceService service) {
    var spec = service.getSpec();
    if (spec == null) {
      return List.of("spec is required");
    }
    var problems = new ArrayList<String>();
    var seen = new HashSet<String>();
    for (ModelReference adapter :
        spec.getAdapters() == null ? List.<ModelReference>of() : spec.getAdapters()) {
      if (adapter != null && adapter.getName() != null && !seen.add(adapter.getName())) {
        problems.add("adapter " + adapter.getName() + " is listed twice");
      }
    }
    return problems;
  }
}
