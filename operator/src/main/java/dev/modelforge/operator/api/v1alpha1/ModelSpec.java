package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** What a Model is and where its files live. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSpec {

  @Required
  @ValidationRule(
      value = "self == oldSelf",
      message = "source is immutable; create a new Model to fetch other files")
  @JsonPropertyDescription("Where the model files are fetched from. Immutable.")
  private ModelSource source;

  @Required
  @JsonPropertyDescription("Volume that holds the fetched files.")
  private StorageSpec storage;

  @JsonPropertyDescription(
      "When set, this Model is a LoRA adapter of the named base Model; it becomes Ready only"
          + " when the base exists.")
  private ModelReference adapterOf;

  @JsonPropertyDescription("Placement of the fetch pod.")
  private Scheduling scheduling;

  public ModelSource getSource() {
    return source;
  }

  public void setSource(ModelSource source) {
    this.source = source;
  }

  public StorageSpec getStorage() {
    return storage;
  }

  public void setStorage(StorageSpec storage) {
    this.storage = storage;
  }

  public ModelReference getAdapterOf() {
    return adapterOf;
  }

  public void setAdapterOf(ModelReference adapterOf) {
    this.adapterOf = adapterOf;
  }

  public Scheduling getScheduling() {
    return scheduling;
  }

  public void setScheduling(Scheduling scheduling) {
    this.scheduling = scheduling;
  }
}
