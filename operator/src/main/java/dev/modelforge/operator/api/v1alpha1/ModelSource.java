package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Where a Model's files come from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSource {

  @Required
  @Pattern("^(hf|https?|s3|pvc|configmap)://.+$")
  @JsonPropertyDescription(
      "Location of the model files: hf://org/repo[@revision], https://host/path,"
          + " s3://bucket/prefix, pvc://claim/path or configmap://name.")
  private String uri;

  @JsonPropertyDescription(
      "Secret with the credentials the source needs, such as a Hugging Face token.")
  private SecretReference credentialsSecretRef;

  public ModelSource() {}

  public ModelSource(String uri) {
    this.uri = uri;
  }

  public String getUri() {
    return uri;
  }

  public void setUri(String uri) {
    this.uri = uri;
  }

  public SecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }
}
