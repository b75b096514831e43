package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModelForgeCommandTest {

  private record Result(int exitCode, String out, String err) {}

  private static Result run(String... args) {
    CommandLine cli = ModelForgeCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsTheCommands() {
    Result result = run("--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("Usage: modelforge").contains("Commands:");
  }

  @Test
  void versionPrintsTheProjectVersionFromTheBuild() {
    Result result = run("--version");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).containsPattern("modelforge \\d+\\.\\d+\\.\\d+");
  }

  @Test
  void unknownCommandIsAUsageError() {
    Result result = run("no-such-command");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("no-such-command");
  }
}
