package dev.modelforge.runtime.cli;

import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that load a model to run it. */
final class ModelOptions {

  @Option(
      names = "--model",
      required = true,
      description = "Model directory (config.json + safetensors).")
  Path model;

  @Option(
      names = "--quantize",
      description = "Re-encode the weight matrices on load: q8_0 or q4_0.")
  String quantize;

  @Option(names = "--threads", description = "Kernel threads (default: all cores).")
  Integer threads;

  DType quantizeType() {
    if (quantize == null || quantize.equalsIgnoreCase("none")) {
      return null;
    }
    return DType.parse(quantize)
        .filter(DType::isQuantized)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--quantize must be q8_0 or q4_0, got '" + quantize + "'"));
  }

  int threadCount() {
    int n = threads == null ? Parallel.defaultThreads() : threads;
    if (n < 1) {
      throw new IllegalArgumentException("--threads must be at least 1, got " + n);
    }
    return n;
  }
}
