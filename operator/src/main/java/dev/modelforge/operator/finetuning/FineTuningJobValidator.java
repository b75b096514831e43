package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules on a FineTuningJob's spec that its CRD schema cannot state (an output that would
 * overwrite the base model); the schema is the one home of the others (required fields, the dataset
 * URI's pattern, lora settings with the lora method only, in CEL), applied by the API server before
 * the operator sees the object.
 */
public final class FineTuningJobValidator {
  private FineTuningJobValidator() {}

  public static List<String> problems(FineTuningJob job) {
    var spec = job.getSpec();
    if (spec == null) {
      return List.of("spec is required");
    }
    var problems = new ArrayList<String>();
    String base = spec.getBaseModel() == null ? null : spec.getBaseModel().getName();
    String output = spec.getOutput() == null ? null : spec.getOutput().getModelName();
    if (output != null && output.equals(base)) {
      problems.add("spec.output.modelName '" + output + "' is the base model; name a new Model");
    }
    return problems;
  }
}
