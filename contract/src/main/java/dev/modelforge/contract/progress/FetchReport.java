package dev.modelforge.contract.progress;

import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.List;
import java.util.Optional;

/**
 * What a fetch pod reports while it downloads a Model and once it is done; the operator folds it
 * into the Model's status. Numbers are null while unknown.
 *
 * @param phase listing, downloading, verifying, completed or failed
 * @param rate bytes per second, recent average
 * @param etaSeconds seconds left at the current rate (older runtimes wrote {@code eta})
 * @param files the files in place, each with the digest computed while it was written
 * @param config what the model's config.json says, once fetched
 * @param error set when the fetch failed: what went wrong
 */
public record FetchReport(
    String phase,
    Long bytesDone,
    Long totalBytes,
    Long rate,
    @JsonAlias("eta") Long etaSeconds,
    List<File> files,
    ModelFacts config,
    String message,
    String error) {

  public FetchReport {
    files = files == null ? List.of() : List.copyOf(files);
  }

  /** What went wrong, as the pod said it: the error, or failing that the last message. */
  public Optional<String> failure() {
    return Reports.firstSaid(error, message);
  }

  /** A file in place at the destination. */
  public record File(String path, Long size, String sha256) {}

  /**
   * The facts of a fetched model that the Model's status shows.
   *
   * @param architecture the Hugging Face class, e.g. LlamaForCausalLM
   * @param parameters the parameter count
   * @param dtype the stored element type, e.g. bfloat16
   * @param contextLength the longest sequence the model was trained for
   * @param rank a LoRA adapter's rank (architecture {@code PeftLoraAdapter})
   * @param baseModel the model a LoRA adapter was trained on
   */
  public record ModelFacts(
      String architecture,
      Long parameters,
      String dtype,
      Long contextLength,
      Long vocabSize,
      Integer rank,
      String baseModel) {}
}
