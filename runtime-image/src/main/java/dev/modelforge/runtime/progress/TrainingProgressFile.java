package dev.modelforge.runtime.progress;

import dev.modelforge.contract.progress.ProgressReports;
import dev.modelforge.contract.progress.TrainingReport;
import dev.modelforge.engine.train.TrainingProgress;
import java.nio.file.Path;

/**
 * Writes each training snapshot to {@code progress.json} in the output folder as the contract's
 * {@link TrainingReport}, whole each time, so a reader never sees half a file. Unknown numbers (NaN
 * losses, a negative ETA) are written as null.
 */
public final class TrainingProgressFile implements TrainingProgress.Listener {

  public static final String FILE = "progress.json";

  private final Path file;
  private TrainingReport last;

  public TrainingProgressFile(Path outputDir) {
    this.file = outputDir.resolve(FILE);
  }

  public Path file() {
    return file;
  }

  @Override
  public synchronized void onProgress(TrainingProgress p) {
    last =
        new TrainingReport(
            p.phase(),
            (long) p.step(),
            (long) p.totalSteps(),
            (double) p.epoch(),
            known(p.loss()),
            known(p.validationLoss()),
            known(p.learningRate()),
            known(p.tokensPerSecond()),
            p.etaSeconds() < 0 || Double.isNaN(p.etaSeconds()) ? null : Math.round(p.etaSeconds()),
            p.message(),
            null);
    ProgressReports.write(file, last);
  }

  /**
   * Reports that training failed with {@code error}, keeping the step and losses last reported so
   * the status does not go back to step 0.
   */
  public synchronized void failed(String error) {
    TrainingReport l = last;
    last =
        l == null
            ? new TrainingReport(
                "failed", null, null, null, null, null, null, null, null, error, error)
            : new TrainingReport(
                "failed",
                l.step(),
                l.totalSteps(),
                l.epoch(),
                l.loss(),
                l.validationLoss(),
                l.learningRate(),
                null,
                null,
                error,
                error);
    ProgressReports.write(file, last);
  }

  private static Double known(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
  }
}
