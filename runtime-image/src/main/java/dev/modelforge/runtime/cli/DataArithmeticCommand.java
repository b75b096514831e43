package dev.modelforge.runtime.cli;

import dev.modelforge.examples.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code modelforge data arithmetic}: addition and subtraction problems as prompt-completion JSONL.
 */
@Command(
    name = "arithmetic",
    mixinStandardHelpOptions = true,
    description = {
      "Write --count two-operand addition and subtraction problems as prompt-completion JSONL",
      "({\"prompt\":\"12+7=\",\"completion\":\"19\"}); subtractions never go below zero. With",
      "--tokenizer also writes the character-level tokenizer a model for this task needs."
    })
public final class DataArithmeticCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--count", required = true, description = "Number of problems.")
  int count;

  @Option(names = "--out", required = true, description = "JSONL file to write.")
  Path out;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--max-operand",
      defaultValue = "50",
      description = "Largest operand (default ${DEFAULT-VALUE}).")
  int maxOperand;

  @Option(
      names = "--tokenizer",
      description = "Directory to write the character-level tokenizer.json into.")
  Path tokenizer;

  @Override
  public Integer call() throws IOException {
    if (count < 1) {
      throw new IllegalArgumentException("--count must be at least 1, got " + count);
    }
    if (maxOperand < 1) {
      throw new IllegalArgumentException("--max-operand must be at least 1, got " + maxOperand);
    }
    ArithmeticTask.writeJsonl(ArithmeticTask.problems(count, seed, maxOperand), out);
    if (tokenizer != null) {
      ArithmeticTask.writeTokenizer(tokenizer);
    }
    spec.commandLine()
        .getOut()
        .printf(
            "wrote %d problems with operands up to %d to %s%s%n",
            count,
            maxOperand,
            out,
            tokenizer == null ? "" : " and a character tokenizer to " + tokenizer);
    return 0;
  }
}
