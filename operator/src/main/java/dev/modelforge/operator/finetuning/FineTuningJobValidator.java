package dev.modelforge.operator.finetuning;

import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.TrainingMethodType;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a FineTuningJob's spec before anything is created, with the same rules the CRD schema
 * states (for API servers that do not apply it) plus the ones a schema cannot.
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
    if (base == null || base.isBlank()) {
      problems.add("spec.baseModel.name is required");
    }
    if (spec.getDataset() == null || spec.getDataset().getUri() == null) {
      problems.add("spec.dataset.uri is required, for example configmap://data/train.jsonl");
    } else if (spec.getDataset().getFormat() == null) {
      problems.add("spec.dataset.format is required: text, prompt-completion or chat");
    }
    var method = spec.getMethod();
    if (method == null || method.getType() == null) {
      problems.add("spec.method.type is required: lora or full");
    } else if (method.getType() == TrainingMethodType.LORA && method.getLora() == null) {
      problems.add("method.lora is required when method.type is lora");
    } else if (method.getType() == TrainingMethodType.FULL && method.getLora() != null) {
      problems.add("method.lora must be omitted when method.type is full");
    }
    String output = spec.getOutput() == null ? null : spec.getOutput().getModelName();
    if (output == null || output.isBlank()) {
      problems.add("spec.output.modelName is required");
    } else if (output.equals(base)) {
      problems.add("spec.output.modelName '" + output + "' is the base model; name a new Model");
    }
    return problems;
  }
}
