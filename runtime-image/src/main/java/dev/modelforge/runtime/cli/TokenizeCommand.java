package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge tokenize}: the token ids of a text, as one JSON line other tools can read. */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the token ids of a text under a model's tokenizer as {\"ids\":[...]}.",
      "Special tokens written in the text (e.g. <|im_start|>) are always recognised.",
      "--jsonl FILE tokenizes many texts (one JSON string per line) in one run, printing one",
      "line per text, in order."
    })
final class TokenizeCommand implements Callable<Integer> {

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
    @Option(names = "--text", paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Option(
        names = "--text-file",
        paramLabel = "FILE",
        description = "A UTF-8 file whose whole content is the text to tokenize.")
    Path textFile;

    @Option(
        names = "--jsonl",
        paramLabel = "FILE",
        description = "JSON Lines, each a string: one {\"ids\":[...]} line per string.")
    Path jsonl;
  }

  @Option(
      names = "--no-special",
      description = "Do not add the tokens the tokenizer frames a text with (such as BOS).")
  boolean noSpecial;

  @Override
  public Integer call() throws IOException {
    List<String> texts =
        input.jsonl != null
            ? JsonLinesInput.read(input.jsonl, "--jsonl", TokenizeCommand::text)
            : List.of(input.text != null ? input.text : readTextFile(input.textFile));
    Tokenizer tokenizer = ModelTokenizer.load(modelDir);
    var out = spec.commandLine().getOut();
    for (String text : texts) {
      out.println(JsonOutput.line(Map.of("ids", tokenizer.encode(text, !noSpecial))));
    }
    out.flush();
    return 0;
  }

  private static String text(JsonNode line) {
    if (!line.isTextual()) {
      throw new IllegalArgumentException("expected a JSON string, got " + line.getNodeType());
    }
    return line.textValue();
  }

  private static String readTextFile(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CommandFailure("text file " + file + " does not exist");
    } catch (MalformedInputException e) {
      throw new CommandFailure("text file " + file + " is not valid UTF-8");
    } catch (IOException e) {
      throw new CommandFailure("text file " + file + " cannot be read: " + e.getMessage());
    }
  }
}
