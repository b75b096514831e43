package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {

  @TempDir Path dir;
  private String model;

  @BeforeEach
  void writeModel() throws IOException {
    model = TinyTokenizer.writeTo(dir).toString();
  }

  @Test
  void printsTheIdsWithTheBosTokenAsOneJsonLine() {
    CliRun run = CliRun.of("tokenize", "--model", model, "--text", "hi hi!");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"ids\":[1,7,7,8]}" + System.lineSeparator());
    assertThat(run.err()).isEmpty();
  }

  @Test
  void noSpecialLeavesTheBosTokenOut() {
    CliRun run = CliRun.of("tokenize", "--model", model, "--text", "hi hi!", "--no-special");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"ids\":[7,7,8]}" + System.lineSeparator());
  }

  @Test
  void readsTheTextFromAFile() throws IOException {
    Path text = Files.writeString(dir.resolve("prompt.txt"), "hi\n");

    CliRun run = CliRun.of("tokenize", "--model", model, "--text-file", text.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"ids\":[1,7,11]}" + System.lineSeparator());
  }

  @Test
  void jsonLinesTokenizeEachTextInOrderOneLineEach() throws IOException {
    Path texts = Files.writeString(dir.resolve("texts.jsonl"), "\"hi hi!\"\n\n\"hi\\n\"\n");

    CliRun run = CliRun.of("tokenize", "--model", model, "--jsonl", texts.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines()).containsExactly("{\"ids\":[1,7,7,8]}", "{\"ids\":[1,7,11]}");
  }

  @Test
  void aJsonLineThatIsNotAStringIsNamedByItsLineAndNothingIsPrinted() throws IOException {
    Path texts = Files.writeString(dir.resolve("texts.jsonl"), "\"hi\"\n[1, 2]\n");

    CliRun run = CliRun.of("tokenize", "--model", model, "--jsonl", texts.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("line 2").contains("expected a JSON string, got ARRAY");
  }

  @Test
  void aMissingModelDirectoryIsOneLineOnStderrWithStatus1() {
    String missing = dir.resolve("nowhere").toString();

    CliRun run = CliRun.of("tokenize", "--model", missing, "--text", "hi");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .startsWith("modelforge tokenize: ")
        .contains(missing)
        .contains("does not exist");
  }

  @Test
  void aDirectoryWithoutTokenizerIsNamed() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));

    CliRun run = CliRun.of("tokenize", "--model", empty.toString(), "--text", "hi");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .contains(empty.resolve("tokenizer.json").toString());
  }

  @Test
  void aCorruptTokenizerIsNamedWithoutAStackTrace() throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");

    CliRun run = CliRun.of("tokenize", "--model", model, "--text", "hi");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .contains("tokenizer.json is not valid JSON")
        .doesNotContain("Exception");
  }

  @Test
  void aMissingTextFileIsNamed() {
    String missing = dir.resolve("no-prompt.txt").toString();

    CliRun run = CliRun.of("tokenize", "--model", model, "--text-file", missing);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .isEqualTo("modelforge tokenize: text file " + missing + " does not exist");
  }

  @Test
  void aTextFileThatIsNotUtf8IsNamed() throws IOException {
    Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});

    CliRun run = CliRun.of("tokenize", "--model", model, "--text-file", latin1.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains(latin1 + " is not valid UTF-8");
  }

  @Test
  void textAndTextFileTogetherAreAUsageError() {
    CliRun run =
        CliRun.of("tokenize", "--model", model, "--text", "hi", "--text-file", "prompt.txt");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("mutually exclusive");
  }

  @Test
  void neitherTextNorTextFileIsAUsageError() {
    CliRun run = CliRun.of("tokenize", "--model", model);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--text");
  }
}
