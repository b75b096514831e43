package dev.modelforge.runtime.cli;

import dev.modelforge.engine.generate.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sampling flags with the names and defaults of the OpenAI / vLLM request fields. */
final class SamplingOptions {

  @Option(
      names = "--max-tokens",
      defaultValue = "64",
      description = "Tokens to generate at most (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Mixin SamplingFilterOptions filters;

  @Option(names = "--presence-penalty", defaultValue = "0", description = "-2 .. 2.")
  double presencePenalty;

  @Option(names = "--frequency-penalty", defaultValue = "0", description = "-2 .. 2.")
  double frequencyPenalty;

  @Option(names = "--seed", description = "Seed for sampling.")
  Long seed;

  @Option(names = "--stop", description = "Stop string (repeatable).")
  List<String> stop = new ArrayList<>();

  @Option(names = "--stop-id", split = ",", description = "Stop token ids: 2,32000.")
  List<Integer> stopIds = new ArrayList<>();

  @Option(
      names = "--top-logprobs",
      defaultValue = "0",
      description = "Alternatives per token with --json (0-20).")
  int topLogprobs;

  @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence.")
  boolean ignoreEos;

  SamplingParams toParams() {
    return new SamplingParams(
        maxTokens,
        filters.temperature,
        filters.topK,
        filters.topP,
        filters.minP,
        filters.repetitionPenalty,
        presencePenalty,
        frequencyPenalty,
        seed,
        stopIds,
        stop,
        topLogprobs,
        ignoreEos,
        Map.of(),
        false);
  }
}
