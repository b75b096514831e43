package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** One key of a Secret in the same namespace. */
public class SecretKeyReference {

  @Required
  @JsonPropertyDescription("Name of a Secret in the same namespace.")
  private String name;

  @Default("api-key")
  @JsonPropertyDescription("The key in the Secret whose value is used (default api-key).")
  private String key = "api-key";

  public SecretKeyReference() {}

  public SecretKeyReference(String name, String key) {
    this.name = name;
    this.key = key;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
