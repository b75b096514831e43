package dev.modelforge.runtime.fetch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.contract.progress.FetchReport;
import dev.modelforge.contract.progress.ProgressReports;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The fetch's progress file: a {@link FetchReport}, the shape the operator folds into the Model's
 * status, written whole each time ({@link ProgressReports#write}).
 */
final class FetchProgress {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  FetchProgress(Path file) {
    this.file = file;
  }

  void write(
      String phase,
      long bytesDone,
      long totalBytes,
      double rate,
      List<FetchedFile> files,
      Map<String, Object> config,
      String message,
      String error) {
    if (file == null) {
      return;
    }
    Long eta;
    if (rate > 0 && totalBytes > bytesDone) {
      eta = Math.round((totalBytes - bytesDone) / rate);
    } else if (totalBytes > 0 && totalBytes <= bytesDone) {
      eta = 0L;
    } else {
      eta = null;
    }
    ProgressReports.write(
        file,
        new FetchReport(
            phase,
            bytesDone,
            totalBytes,
            Math.round(rate),
            eta,
            files.stream().map(f -> new FetchReport.File(f.path(), f.size(), f.sha256())).toList(),
            config == null ? null : JSON.convertValue(config, FetchReport.ModelFacts.class),
            message,
            error));
  }

  /** A file in place at the destination, with the digest computed while it was written. */
  record FetchedFile(String path, long size, String sha256) {}
}
