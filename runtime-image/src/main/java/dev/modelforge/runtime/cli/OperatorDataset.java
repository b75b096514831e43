package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code dataset} block the operator adds to the trainer config ({@code {uri, format,
 * validationSplit}}): its format is checked against every row before training starts, so a
 * FineTuningJob that promises chat data and delivers prompt-completion pairs fails with the line.
 */
record OperatorDataset(String format) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static OperatorDataset read(Path config) throws IOException {
    if (!Files.isRegularFile(config)) {
      return new OperatorDataset(null);
    }
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(config.toFile());
    } catch (JacksonException e) {
      return new OperatorDataset(null); // readConfig reports the syntax error
    }
    JsonNode format = root == null ? null : root.path("dataset").path("format");
    if (format == null || !format.isTextual()) {
      return new OperatorDataset(null);
    }
    String f = format.asText();
    if (!List.of("text", "prompt-completion", "chat").contains(f)) {
      throw new IllegalArgumentException(
          config + ": dataset.format must be text, prompt-completion or chat, got '" + f + "'");
    }
    return new OperatorDataset(f);
  }

  void checkRows(Path data) throws IOException {
    if (format == null) {
      return;
    }
    List<String> keys =
        switch (format) {
          case "text" -> List.of("text");
          case "prompt-completion" -> List.of("prompt", "completion");
          default -> List.of("messages");
        };
    try (BufferedReader in = Files.newBufferedReader(data, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = in.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode row;
        try {
          row = JSON.readTree(line);
        } catch (JacksonException e) {
          continue; // the dataset reader names malformed lines
        }
        for (String key : keys) {
          if (row == null || !row.has(key)) {
            throw new IllegalArgumentException(
                data
                    + " line "
                    + lineNo
                    + ": the FineTuningJob says the dataset format is "
                    + format
                    + ", whose rows need "
                    + keys
                    + "; this row has no \""
                    + key
                    + "\"");
          }
        }
      }
    }
  }
}
