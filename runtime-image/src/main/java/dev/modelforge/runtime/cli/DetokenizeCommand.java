package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge detokenize}: the text of token ids, as one JSON line other tools can read. */
@Command(
    name = "detokenize",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the text of token ids under a model's tokenizer as {\"text\":\"...\"}.",
      "Special tokens are written out, as in Hugging Face's decode, unless",
      "--skip-special-tokens. --jsonl FILE decodes many id lists (one JSON array per line)",
      "in one run, printing one line per list, in order."
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

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  static final class Input {
    @Option(
        names = "--ids",
        paramLabel = "IDS",
        description = "Comma-separated token ids, e.g. 9707,1879.")
    String ids;

    @Option(
        names = "--jsonl",
        paramLabel = "FILE",
        description = "JSON Lines, each an array of ids: one {\"text\":\"...\"} line per array.")
    Path jsonl;
  }

  @Option(
      names = "--skip-special-tokens",
      description = "Leave special tokens (BOS, EOS, <|im_end|>, ...) out of the text.")
  boolean skipSpecialTokens;

  @Override
  public Integer call() {
    List<int[]> lists =
        input.jsonl != null
            ? JsonLinesInput.read(input.jsonl, "--jsonl", DetokenizeCommand::ids)
            : List.of(parseIds(input.ids));
    Tokenizer tokenizer = ModelTokenizer.load(modelDir);
    var out = spec.commandLine().getOut();
    for (int[] tokenIds : lists) {
      // An id outside the vocabulary fails with a message naming it.
      String text = tokenizer.decode(tokenIds, skipSpecialTokens);
      out.println(JsonOutput.line(Map.of("text", text)));
    }
    out.flush();
    return 0;
  }

  private static int[] ids(JsonNode line) {
    if (!line.isArray()) {
      throw new IllegalArgumentException("expected a JSON array of ids, got " + line.getNodeType());
    }
    int[] values = new int[line.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode id = line.get(i);
      if (!id.canConvertToInt() || !id.isIntegralNumber() || id.intValue() < 0) {
        throw new IllegalArgumentException("item " + (i + 1) + " is not a token id: " + id);
      }
      values[i] = id.intValue();
    }
    return values;
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
