package dev.modelforge.contract.progress;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * How a workload pod's progress reaches the operator: the pod writes a report ({@link FetchReport}
 * or {@link TrainingReport}) to its progress file and publishes the file's JSON, verbatim, in a
 * ConfigMap:
 *
 * <ul>
 *   <li>name {@code <resource>-<kind>-progress} ({@link #configMapName}), one per owner and kind,
 *       so a FineTuningJob and the Model it outputs, which share a name, never overwrite each
 *       other's report;
 *   <li>label {@value #KIND_LABEL} = {@link #FETCH} or {@link #TRAIN};
 *   <li>key {@value #DATA_KEY}.
 * </ul>
 *
 * Reading is lenient, because an operator may meet reports of an older or newer runtime: unknown
 * fields are ignored, and a report that cannot be read counts as none (the pod's next write
 * replaces it).
 */
public final class ProgressReports {

  public static final String KIND_LABEL = "modelforge.dev/progress";
  public static final String DATA_KEY = "progress.json";
  public static final String SUFFIX = "-progress";
  public static final String FETCH = "fetch";
  public static final String TRAIN = "train";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private ProgressReports() {}

  public static String configMapName(String resourceName, String kind) {
    return resourceName + "-" + kind + SUFFIX;
  }

  /** The report as the pod writes it. */
  public static String toJson(Object report) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a progress report did not serialise: " + e.getMessage(), e);
    }
  }

  /** The report in {@code json}, or empty when it is not one. */
  public static <T> Optional<T> read(String json, Class<T> type) {
    if (json == null || json.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(JSON.readValue(json, type));
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  /**
   * Writes {@code report} to {@code file} through a temporary file renamed into place, so a reader
   * (the publisher, the operator) never sees half of it.
   */
  public static void write(Path file, Object report) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = parent.resolve(file.getFileName() + ".tmp");
      Files.writeString(tmp, toJson(report));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
