package dev.modelforge.operator.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.finetuning.FineTuningJobValidator;
import dev.modelforge.operator.model.ModelValidator;
import dev.modelforge.operator.serving.InferenceServiceValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator's own spec checks, which hold where the API server applies no schema. */
class ValidatorsTest {

  /** What the schema says (CrdSchemaOnRealServerTest) is not said again here. */
  @Test
  void aSpecIsRequiredSinceTheSchemaDoesNotRequireIt() {
    var model = TestResources.model("ns", "m");
    model.setSpec(null);
    assertThat(ModelValidator.problems(model)).containsExactly("spec is required");
  }

  @Test
  void theDesignsExamplesAreValid() {
    assertThat(ModelValidator.problems(TestResources.model("ns", "qwen"))).isEmpty();
    assertThat(FineTuningJobValidator.problems(TestResources.loraJob("ns", "j", "qwen", "out")))
        .isEmpty();
    assertThat(
            InferenceServiceValidator.problems(
                TestResources.inferenceService("ns", "chat", "qwen", "arith")))
        .isEmpty();
  }

  @Test
  void modelProblemsNameTheBadValue() {
    var model = TestResources.model("ns", "m");
    model.getSpec().getStorage().setSize("-1Gi");
    model.getSpec().setAdapterOf(new ModelReference("m"));

    assertThat(ModelValidator.problems(model))
        .containsExactly(
            "spec.storage.size '-1Gi' is not a positive quantity such as 4Gi",
            "spec.adapterOf names this Model itself; name its base Model");
  }

  @Test
  void theOutputMustBeANewModel() {
    var job = TestResources.loraJob("ns", "j", "qwen", "qwen");

    assertThat(FineTuningJobValidator.problems(job))
        .containsExactly("spec.output.modelName 'qwen' is the base model; name a new Model");
  }

  @Test
  void adaptersMustBeDistinct() {
    var service = TestResources.inferenceService("ns", "chat", "qwen", "a", "b", "a");

    assertThat(InferenceServiceValidator.problems(service))
        .isEqualTo(List.of("adapter a is listed twice"));
  }
}
