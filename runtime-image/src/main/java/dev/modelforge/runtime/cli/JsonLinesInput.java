package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A JSON Lines file for the batch forms of the tokenizer commands: one JSON value per line (blank
 * lines skipped), each turned into an item by a reader that names what it expected; a bad line
 * fails with the file and line number, before anything is printed.
 */
final class JsonLinesInput {

  private static final JsonMapper JSON = new JsonMapper();

  private JsonLinesInput() {}

  static <T> List<T> read(Path file, String option, Function<JsonNode, T> item) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      throw new CommandFailure(option + " file " + file + " does not exist");
    } catch (MalformedInputException e) {
      throw new CommandFailure(option + " file " + file + " is not valid UTF-8");
    } catch (IOException e) {
      throw new CommandFailure(option + " file " + file + " cannot be read: " + e.getMessage());
    }
    List<T> items = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      String where = option + " " + file + " line " + (i + 1);
      try {
        items.add(item.apply(JSON.readTree(lines.get(i))));
      } catch (JsonProcessingException e) {
        throw new CommandFailure(where + " is not JSON: " + e.getOriginalMessage());
      } catch (IllegalArgumentException e) {
        throw new CommandFailure(where + ": " + e.getMessage());
      }
    }
    return items;
  }
}
