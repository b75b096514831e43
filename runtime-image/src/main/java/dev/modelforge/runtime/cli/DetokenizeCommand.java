package dev.modelforge.runtime.cli;

import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge detokenize}: the text of token ids, as one JSON line other tools can read. */
@Command(
    name = "detokenize",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the text of token ids under a model's tokenizer as {\"text\":\"...\"}.",
      "Special tokens are written out, as in Hugging Face's decode."
    })
final class DetokenizeCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "MODEL",
      description =
          "Model directory holding tokenizer.json (and tokenizer_config.json), or a .gguf file.")
  Path modelDir;

  @Option(
      names = "--ids",
      required = true,
      paramLabel = "IDS",
      description = "Comma-separated token ids, e.g. 9707,1879.")
  String ids;

  @Override
  public Integer call() {
    int[] tokenIds = parseIds(ids);
    Tokenizer tokenizer = ModelTokenizer.load(modelDir);
    // An id outside the vocabulary fails with a message naming it.
    String text = tokenizer.decode(tokenIds, false);
    spec.commandLine().getOut().println(JsonOutput.line(Map.of("text", text)));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** "1, 2,3" to [1, 2, 3]; the empty string to no ids. */
  static int[] parseIds(String list) {
    if (list.isBlank()) {
      return new int[0];
    }
    String[] parts = list.split(",", -1);
    int[] values = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].strip();
      try {
        values[i] = Integer.parseInt(part);
      } catch (NumberFormatException e) {
        throw new CommandFailure(
            "--ids must be comma-separated token ids, but \""
                + part
                + "\" (item "
                + (i + 1)
                + ") is not a number");
      }
      if (values[i] < 0) {
        throw new CommandFailure(
            "--ids must not hold negative ids, but item " + (i + 1) + " is " + values[i]);
      }
    }
    return values;
  }
}
