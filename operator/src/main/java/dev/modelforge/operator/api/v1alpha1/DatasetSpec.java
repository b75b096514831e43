package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** The training data. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatasetSpec {

  @Required
  @Pattern("^(https?|s3|pvc|configmap)://.+$")
  @JsonPropertyDescription(
      "JSONL file: configmap://name/key, pvc://claim/path, https://host/path or"
          + " s3://bucket/key.")
  private String uri;

  @Required
  @JsonPropertyDescription("Shape of each line: text, prompt-completion or chat.")
  private DatasetFormat format;

  @Min(0)
  @Max(value = 0.5)
  @JsonPropertyDescription(
      "Fraction of the examples held out to compute the validation loss; 0 or omitted"
          + " disables validation.")
  private Double validationSplit;

  public DatasetSpec() {}

  public DatasetSpec(String uri, DatasetFormat format) {
    this.uri = uri;
    this.format = format;
  }

  public String getUri() {
    return uri;
  }

  public void setUri(String uri) {
    this.uri = uri;
  }

  public DatasetFormat getFormat() {
    return format;
  }

  public void setFormat(DatasetFormat format) {
    this.format = format;
  }

  public Double getValidationSplit() {
    return validationSplit;
  }

  public void setValidationSplit(Double validationSplit) {
    this.validationSplit = validationSplit;
  }
}
