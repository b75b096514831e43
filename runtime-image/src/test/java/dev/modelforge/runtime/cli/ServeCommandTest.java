package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The serve flags the operator's Deployment passes become the server's configuration. */
class ServeCommandTest {

  private static Map<String, String> properties(String... args) {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs(args);
    return serve.toProperties();
  }

  @Test
  void theOperatorsFlagsMapToTheServerSettings() {
    Map<String, String> p =
        properties(
            "--model",
            "/models/tiny",
            "--adapter",
            "sums=/models/sums",
            "--port",
            "8000",
            "--max-batch-size",
            "4",
            "--max-sequence-length",
            "256",
            "--no-prefix-caching",
            "--dtype",
            "bfloat16");

    assertThat(p)
        .containsEntry("modelforge.serve.model", "/models/tiny")
        .containsEntry("modelforge.serve.adapters.sums", "/models/sums")
        .containsEntry("quarkus.http.port", "8000")
        .containsEntry("modelforge.serve.max-batch", "4")
        .containsEntry("modelforge.serve.max-model-len", "256")
        .containsEntry("modelforge.serve.prefix-caching", "false")
        .containsEntry("modelforge.serve.dtype", "bfloat16");
  }

  @Test
  void prefixCachingStaysOnUnlessTurnedOff() {
    assertThat(properties("--model", "m", "--prefix-caching"))
        .doesNotContainKey("modelforge.serve.prefix-caching");
    assertThat(properties("--model", "m")).doesNotContainKey("modelforge.serve.prefix-caching");
  }
}
