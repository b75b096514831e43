package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** What a successful FineTuningJob produces. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingOutput {

  @Required
  @Pattern(ResourceNames.DNS_LABEL)
  @Size(max = ResourceNames.MODEL_MAX)
  @JsonPropertyDescription(
      "Name of the Model created on success: an adapter of the base for lora, full weights"
          + " for full. It is labelled with the job but not owned by it, so it outlives the"
          + " job.")
  private String modelName;

  @JsonPropertyDescription(
      "Volume for checkpoints and the trained output; the operator's default size when"
          + " omitted.")
  private StorageSpec storage;

  public TrainingOutput() {}

  public TrainingOutput(String modelName) {
    this.modelName = modelName;
  }

  public String getModelName() {
    return modelName;
  }

  public void setModelName(String modelName) {
    this.modelName = modelName;
  }

  public StorageSpec getStorage() {
    return storage;
  }

  public void setStorage(StorageSpec storage) {
    this.storage = storage;
  }
}
