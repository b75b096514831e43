package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `generate --regex | --json-schema | --grammar`, sampled and with beam search. */
class GenerateStructuredTest {

  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void init() throws Exception {
    model = dir.resolve("tiny");
    Path tok = Files.createDirectories(dir.resolve("tok"));
    Files.writeString(
        tok.resolve("tokenizer.json"), dev.modelforge.runtime.serve.ByteTokenizerJson.build());
    Files.writeString(tok.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
    assertThat(
            CliRun.of(
                    "init",
                    "--preset",
                    "tiny",
                    "--out",
                    model.toString(),
                    "--tokenizer",
                    tok.toString())
                .exitCode())
        .isZero();
  }

  private static String text(CliRun run) throws Exception {
    assertThat(run.exitCode()).as(run.err()).isZero();
    return new ObjectMapper().readTree(run.out()).path("text").asText();
  }

  @Test
  void sampledOutputFollowsTheRegexAndTheSchema() throws Exception {
    for (int seed = 1; seed <= 3; seed++) {
      String id =
          text(
              CliRun.of(
                  "generate",
                  "--model",
                  model.toString(),
                  "--prompt",
                  "id:",
                  "--max-tokens",
                  "20",
                  "--temperature",
                  "1",
                  "--seed",
                  String.valueOf(seed),
                  "--regex",
                  "[A-Z]{2}-[0-9]{3}",
                  "--json"));
      assertThat(id).matches("[A-Z]{2}-[0-9]{3}");
    }
    Path schema = dir.resolve("schema.json");
    Files.writeString(
        schema,
        "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}},"
            + " \"required\": [\"ok\"], \"additionalProperties\": false}");
    String json =
        text(
            CliRun.of(
                "generate",
                "--model",
                model.toString(),
                "--prompt",
                "x",
                "--max-tokens",
                "30",
                "--json-schema",
                schema.toString(),
                "--json"));
    assertThat(new ObjectMapper().readTree(json).path("ok").isBoolean()).as(json).isTrue();
  }

  @Test
  void beamSearchHypothesesFollowTheGrammar() throws Exception {
    Path grammar = dir.resolve("g.gbnf");
    Files.writeString(grammar, "root ::= (\"yes\" | \"no\" | \"maybe\") \".\"");
    CliRun run =
        CliRun.of(
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "answer:",
            "--max-tokens",
            "10",
            "--num-beams",
            "3",
            "--grammar",
            grammar.toString(),
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    var beams = new ObjectMapper().readTree(run.out()).path("beams");
    assertThat(beams.size()).isEqualTo(3);
    for (var b : beams) {
      assertThat(b.path("text").asText()).isIn("yes.", "no.", "maybe.");
    }
  }

  @Test
  void twoStructuresAtOnceAreAUsageError() {
    CliRun run =
        CliRun.of(
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "x",
            "--regex",
            "a",
            "--grammar",
            "g.gbnf");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("mutually exclusive");
  }
}
