package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A training run: which model, which data, how. Immutable like a batch Job's template: the running
 * pod could not pick a change up.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self == oldSelf",
    message = "a FineTuningJob's spec is immutable; create a new FineTuningJob instead")
public class FineTuningJobSpec {

  @Required
  @JsonPropertyDescription("The Model to fine-tune; training starts once it is Ready.")
  private ModelReference baseModel;

  @Required
  @JsonPropertyDescription("The training data.")
  private DatasetSpec dataset;

  @Required
  @JsonPropertyDescription("LoRA or full fine-tuning.")
  private TrainingMethod method;

  @JsonPropertyDescription("Optimisation settings.")
  private Hyperparameters hyperparameters;

  @JsonPropertyDescription("Compute of the training pod.")
  private WorkloadResources resources;

  @Required
  @JsonPropertyDescription("The Model created on success.")
  private TrainingOutput output;

  @JsonPropertyDescription("Placement of the training pod.")
  private Scheduling scheduling;

  public ModelReference getBaseModel() {
    return baseModel;
  }

  public void setBaseModel(ModelReference baseModel) {
    this.baseModel = baseModel;
  }

  public DatasetSpec getDataset() {
    return dataset;
  }

  public void setDataset(DatasetSpec dataset) {
    this.dataset = dataset;
  }

  public TrainingMethod getMethod() {
    return method;
  }

  public void setMethod(TrainingMethod method) {
    this.method = method;
  }

  public Hyperparameters getHyperparameters() {
    return hyperparameters;
  }

  public void setHyperparameters(Hyperparameters hyperparameters) {
    this.hyperparameters = hyperparameters;
  }

  public WorkloadResources getResources() {
    return resources;
  }

  public void setResources(WorkloadResources resources) {
    this.resources = resources;
  }

  public TrainingOutput getOutput() {
    return output;
  }

  public void setOutput(TrainingOutput output) {
    this.output = output;
  }

  public Scheduling getScheduling() {
    return scheduling;
  }

  public void setScheduling(Scheduling scheduling) {
    this.scheduling = scheduling;
  }
}
