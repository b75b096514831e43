package dev.modelforge.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.contract.progress.FetchReport;
import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.contract.progress.TrainingReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressReportsTest {

  @TempDir Path tmp;

  @Test
  void aFetchReportReadsBackAsWritten() throws IOException {
    FetchReport report =
        new FetchReport(
            "completed",
            10L,
            10L,
            5L,
            0L,
            List.of(new FetchReport.File("model.safetensors", 10L, "ab12")),
            new FetchReport.ModelFacts(
                "LlamaForCausalLM", 1000L, "bfloat16", 2048L, 32000L, null, null),
            "done",
            null);
    Path file = tmp.resolve("progress.json");
    ProgressReports.write(file, report);
    assertThat(ProgressReports.read(Files.readString(file), FetchReport.class)).contains(report);
    assertThat(tmp.resolve("progress.json.tmp")).doesNotExist();
  }

  @Test
  void aTrainingReportKeepsUnknownNumbersNull() {
    TrainingReport report =
        new TrainingReport("loading", 0L, 100L, 1.0, null, null, null, null, null, "reading", null);
    String json = ProgressReports.toJson(report);
    assertThat(json).contains("\"loss\" : null");
    assertThat(ProgressReports.read(json, TrainingReport.class)).contains(report);
  }

  @Test
  void anOlderFetchReportsEtaIsRead() {
    assertThat(ProgressReports.read("{\"phase\": \"downloading\", \"eta\": 42}", FetchReport.class))
        .get()
        .extracting(FetchReport::etaSeconds, FetchReport::files)
        .containsExactly(42L, List.of());
  }

  @Test
  void unknownFieldsAreIgnoredAndWhatIsNotAReportIsNone() {
    assertThat(ProgressReports.read("{\"step\": 3, \"gpuTemperature\": 71}", TrainingReport.class))
        .get()
        .extracting(TrainingReport::step)
        .isEqualTo(3L);
    assertThat(ProgressReports.read("{\"step\": \"three\"}", TrainingReport.class)).isEmpty();
    assertThat(ProgressReports.read("[1, 2]", TrainingReport.class)).isEmpty();
    assertThat(ProgressReports.read("{\"step\": 3", TrainingReport.class)).isEmpty();
    assertThat(ProgressReports.read("", TrainingReport.class)).isEmpty();
    assertThat(ProgressReports.read(null, TrainingReport.class)).isEmpty();
  }

  @Test
  void eachOwnerAndKindHasItsOwnConfigMap() {
    assertThat(ProgressReports.configMapName("llama", ProgressReports.FETCH))
        .isEqualTo("llama-fetch-progress")
        .isNotEqualTo(ProgressReports.configMapName("llama", ProgressReports.TRAIN));
  }
}
