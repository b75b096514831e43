package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetokenizeCommandTest {

  @TempDir Path dir;
  private String model;

  @BeforeEach
  void writeModel() throws IOException {
    model = TinyTokenizer.writeTo(dir).toString();
  }

  @Test
  void printsTheTextAsOneJsonLine() {
    CliRun run = CliRun.of("detokenize", "--model", model, "--ids", "1,7,7,8");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"text\":\"<s> hi hi!\"}" + System.lineSeparator());
    assertThat(run.err()).isEmpty();
  }

  @Test
  void escapesQuotesNewlinesAndNonAsciiText() {
    CliRun run = CliRun.of("detokenize", "--model", model, "--ids", "7, 10, 11, 3, 9");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"text\":\"hi\\\"\\n \\u00E9\"}" + System.lineSeparator());
  }

  @Test
  void noIdsGiveTheEmptyText() {
    CliRun run = CliRun.of("detokenize", "--model", model, "--ids", "");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"text\":\"\"}" + System.lineSeparator());
  }

  @Test
  void skipSpecialTokensLeavesTheBosTokenOut() {
    CliRun run =
        CliRun.of("detokenize", "--model", model, "--ids", "1,7,7,8", "--skip-special-tokens");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("{\"text\":\"hi hi!\"}" + System.lineSeparator());
  }

  @Test
  void jsonLinesDecodeEachListInOrderOneLineEach() throws IOException {
    Path lists = Files.writeString(dir.resolve("ids.jsonl"), "[1, 7, 7, 8]\n[]\n");

    CliRun run = CliRun.of("detokenize", "--model", model, "--jsonl", lists.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines()).containsExactly("{\"text\":\"<s> hi hi!\"}", "{\"text\":\"\"}");
  }

  @Test
  void aJsonLineHoldingSomethingOtherThanAnIdIsNamed() throws IOException {
    Path lists = Files.writeString(dir.resolve("ids.jsonl"), "[1, 7]\n[7, \"x\"]\n");

    CliRun run = CliRun.of("detokenize", "--model", model, "--jsonl", lists.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("ids.jsonl line 2").contains("item 2 is not a token id");
  }

  @Test
  void anIdThatIsNotANumberIsNamed() {
    CliRun run = CliRun.of("detokenize", "--model", model, "--ids", "1,x7,8");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .isEqualTo(
            "modelforge detokenize: --ids must be comma-separated token ids, but \"x7\" (item 2)"
                + " is not a number");
  }

  @Test
  void anIdOutsideTheVocabularyIsNamed() {
    CliRun run = CliRun.of("detokenize", "--model", model, "--ids", "1,99");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines())
        .singleElement()
        .asString()
        .contains("token id 99 is not in the vocabulary")
        .contains("0 to 11");
  }

  @Test
  void aNegativeIdIsNamed() {
    CliRun run = CliRun.of("detokenize", "--model", model, "--ids", "-4");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("negative").contains("-4");
  }

  @Test
  void aMissingModelDirectoryIsNamed() {
    String missing = dir.resolve("nowhere").toString();

    CliRun run = CliRun.of("detokenize", "--model", missing, "--ids", "1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines()).singleElement().asString().contains(missing);
  }

  @Test
  void missingIdsAreAUsageError() {
    CliRun run = CliRun.of("detokenize", "--model", model);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--ids");
  }
}
