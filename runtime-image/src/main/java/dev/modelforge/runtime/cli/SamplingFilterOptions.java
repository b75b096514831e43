package dev.modelforge.runtime.cli;

import dev.modelforge.engine.generate.SamplingParams;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags that shape the distribution a token is drawn from (temperature, top-k, top-p, min-p,
 * repetition penalty): part of {@link SamplingOptions} for generate, and what score's
 * --sampling-out applies.
 */
final class SamplingFilterOptions {

  @Option(
      names = "--temperature",
      defaultValue = "0",
      description = "0 is greedy (default ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--top-k",
      defaultValue = "0",
      description = "Keep the k most likely tokens (0: off).")
  int topK;

  @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass (1: off).")
  double topP;

  @Option(
      names = "--min-p",
      defaultValue = "0",
      description = "Drop tokens below min-p x the best (0: off).")
  double minP;

  @Option(names = "--repetition-penalty", defaultValue = "1", description = "1: off.")
  double repetitionPenalty;

  /** These filters alone, everything else at its default. */
  SamplingParams toParams() {
    return new SamplingParams(
        0,
        temperature,
        topK,
        topP,
        minP,
        repetitionPenalty,
        0,
        0,
        null,
        List.of(),
        List.of(),
        0,
        false,
        Map.of(),
        false);
  }
}
