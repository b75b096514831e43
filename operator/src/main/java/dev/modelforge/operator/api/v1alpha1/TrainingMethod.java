package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** LoRA or full fine-tuning. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.type != 'lora' || has(self.lora)",
    message = "method.lora is required when method.type is lora")
@ValidationRule(
    value = "self.type != 'full' || !has(self.lora)",
    message = "method.lora must be omitted when method.type is full")
public class TrainingMethod {

  @Required
  @JsonPropertyDescription("lora trains adapters on a frozen base; full trains every weight.")
  private TrainingMethodType type;

  @JsonPropertyDescription("Adapter settings; required when type is lora.")
  private LoraSpec lora;

  public TrainingMethod() {}

  public TrainingMethod(TrainingMethodType type, LoraSpec lora) {
    this.type = type;
    this.lora = lora;
  }

  public TrainingMethodType getType() {
    return type;
  }

  public void setType(TrainingMethodType type) {
    this.type = type;
  }

  public LoraSpec getLora() {
    return lora;
  }

  public void setLora(LoraSpec lora) {
    this.lora = lora;
  }
}
