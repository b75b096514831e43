package dev.modelforge.runtime.cli;

import picocli.CommandLine.Command;

/** {@code modelforge bench}: the project's performance numbers, never measured by tests. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure performance: decode and prefill speed against the memory-bandwidth limit.",
    subcommands = {BenchGenerateCommand.class, BenchServeCommand.class, BenchTrainCommand.class})
public final class BenchCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
