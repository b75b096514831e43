package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Names a Model in the same namespace. */
public class ModelReference {

  @Required
  @Pattern(ResourceNames.DNS_LABEL)
  @Size(max = ResourceNames.MODEL_MAX)
  @JsonPropertyDescription("Name of a Model in the same namespace.")
  private String name;

  public ModelReference() {}

  public ModelReference(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
