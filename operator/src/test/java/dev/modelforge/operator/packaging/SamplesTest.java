package dev.modelforge.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.api.v1alpha1.DatasetFormat;
import dev.modelforge.operator.api.v1alpha1.FineTuningJob;
import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.LrScheduler;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.finetuning.FineTuningJobValidator;
import dev.modelforge.operator.model.ModelValidator;
import dev.modelforge.operator.serving.InferenceServiceValidator;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The samples in config/samples read into the API types and pass the operator's checks. */
class SamplesTest {
  static final Path SAMPLES = Path.of("..", "config", "samples");

  @Test
  void modelSampleIsValid() throws IOException {
    Model model = read("model.yaml", Model.class);

    assertThat(ModelValidator.problems(model)).isEmpty();
    assertThat(model.getSpec().getSource().getUri()).startsWith("hf://");
  }

  @Test
  void fineTuningJobSampleIsValidAndUsesTheDesignsEnumSpelling() throws IOException {
    FineTuningJob job = read("finetuningjob.yaml", FineTuningJob.class);

    assertThat(FineTuningJobValidator.problems(job)).isEmpty();
    assertThat(job.getSpec().getDataset().getFormat()).isEqualTo(DatasetFormat.PROMPT_COMPLETION);
    assertThat(job.getSpec().getHyperparameters().getLrScheduler()).isEqualTo(LrScheduler.COSINE);
  }

  @Test
  void inferenceServiceSampleIsValid() throws IOException {
    InferenceService service = read("inferenceservice.yaml", InferenceService.class);

    assertThat(InferenceServiceValidator.problems(service)).isEmpty();
    assertThat(service.getSpec().getAdapters()).hasSize(1);
  }

  private static <T> T read(String file, Class<T> type) throws IOException {
    try (InputStream in = Files.newInputStream(SAMPLES.resolve(file))) {
      return new KubernetesSerialization().unmarshal(in, type);
    }
  }
}
