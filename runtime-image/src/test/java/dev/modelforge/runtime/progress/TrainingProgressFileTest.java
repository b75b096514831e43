package dev.modelforge.runtime.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.contract.progress.TrainingReport;
import dev.modelforge.engine.train.TrainingProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingProgressFileTest {

  @TempDir Path tmp;

  private TrainingReport read(TrainingProgressFile file) throws IOException {
    return ProgressReports.read(Files.readString(file.file()), TrainingReport.class).orElseThrow();
  }

  @Test
  void unknownNumbersAreNullAndKnownOnesAreWritten() throws IOException {
    TrainingProgressFile file = new TrainingProgressFile(tmp);
    file.onProgress(
        new TrainingProgress("training", 5, 20, 1, 2.5, Double.NaN, 1e-4, 900, -1, "step 5"));
    TrainingReport r = read(file);
    assertThat(r.step()).isEqualTo(5L);
    assertThat(r.totalSteps()).isEqualTo(20L);
    assertThat(r.loss()).isEqualTo(2.5);
    assertThat(r.validationLoss()).isNull();
    assertThat(r.etaSeconds()).isNull();
  }

  @Test
  void aFailureKeepsTheStepReachedSoStatusNeverGoesBack() throws IOException {
    TrainingProgressFile file = new TrainingProgressFile(tmp);
    file.onProgress(new TrainingProgress("training", 7, 20, 1, 2.0, 2.1, 1e-4, 900, 30, ""));
    file.failed("disk full");
    TrainingReport r = read(file);
    assertThat(r.phase()).isEqualTo("failed");
    assertThat(r.step()).isEqualTo(7L);
    assertThat(r.loss()).isEqualTo(2.0);
    assertThat(r.etaSeconds()).isNull();
    assertThat(r.failure()).contains("disk full");
  }

  @Test
  void aFailureBeforeAnyStepSaysWhy() throws IOException {
    TrainingProgressFile file = new TrainingProgressFile(tmp);
    file.failed("the dataset has no rows");
    assertThat(read(file).failure()).contains("the dataset has no rows");
    assertThat(read(file).step()).isNull();
  }
}
