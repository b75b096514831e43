package dev.modelforge.runtime.cli;

import picocli.CommandLine.Command;

/** {@code modelforge data}: datasets the project generates itself. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    description = "Generate training data.",
    subcommands = {DataArithmeticCommand.class})
public final class DataCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
