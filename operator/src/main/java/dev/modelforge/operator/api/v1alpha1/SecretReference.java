package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Names a Secret in the same namespace. */
public class SecretReference {

  @Required
  @JsonPropertyDescription(
      "Name of a Secret in the same namespace. Its keys become environment variables of the"
          + " fetch pod (for example HF_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); the"
          + " values are never logged.")
  private String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
