package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
            "bfloat16",
            "--api-key",
            "sk-1");

    assertThat(p)
        .containsEntry("modelforge.serve.model", "/models/tiny")
        .containsEntry("modelforge.serve.adapters.sums", "/models/sums")
        .containsEntry("quarkus.http.port", "8000")
        .containsEntry("modelforge.serve.max-batch", "4")
        .containsEntry("modelforge.serve.max-model-len", "256")
        .containsEntry("modelforge.serve.prefix-caching", "false")
        .containsEntry("modelforge.serve.dtype", "bfloat16")
        .containsEntry("modelforge.serve.api-key", "sk-1");
    assertThat(properties("--model", "m")).doesNotContainKey("modelforge.serve.api-key");
  }

  @Test
  void prefixCachingStaysOnUnlessTurnedOff() {
    assertThat(properties("--model", "m", "--prefix-caching"))
        .doesNotContainKey("modelforge.serve.prefix-caching");
    assertThat(properties("--model", "m")).doesNotContainKey("modelforge.serve.prefix-caching");
  }

  @Test
  void quarkusWaitsForTheWholeDrainBeforeClosingConnections() {
    assertThat(properties("--model", "m", "--drain-timeout", "120s"))
        .containsEntry("modelforge.serve.drain-timeout", "120000ms")
        .containsEntry("quarkus.shutdown.timeout", "130000ms");
    assertThat(properties("--model", "m"))
        .containsEntry("modelforge.serve.drain-timeout", "30000ms")
        .containsEntry("quarkus.shutdown.timeout", "40000ms");
  }

  @Test
  void drainTimeoutsReadLikeQuarkusDurations() {
    assertThat(ServeCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ServeCommand.parseDuration("45")).isEqualTo(Duration.ofSeconds(45));
    assertThat(ServeCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(ServeCommand.parseDuration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    for (String bad : new String[] {"", "soon", "-5s", "PT-1S", "10 parsecs"}) {
      assertThatThrownBy(() -> properties("--model", "m", "--drain-timeout", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--drain-timeout")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void vllmsServingFlagsAreCheckedAndPassedOn() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("template", ".jinja");
    java.nio.file.Files.writeString(file, "{{ messages[0].content }}");
    Map<String, String> p =
        properties(
            "--model",
            "/m",
            "--chat-template",
            file.toString(),
            "--reasoning-parser",
            "qwen3",
            "--metrics-prefix",
            "mf");
    assertThat(p)
        .containsEntry("modelforge.serve.chat-template", file.toAbsolutePath().toString())
        .containsEntry("modelforge.serve.reasoning-parser", "qwen3")
        .containsEntry("modelforge.serve.metrics-prefix", "mf");
    assertThat(properties("--model", "/m", "--chat-template", "{{ 'inline' }}"))
        .containsEntry("modelforge.serve.chat-template", "{{ 'inline' }}");

    assertThatThrownBy(() -> properties("--model", "/m", "--chat-template", "/no/such.jinja"))
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> properties("--model", "/m", "--reasoning-parser", "granite"))
        .hasMessageContaining("qwen3 or deepseek_r1");
    assertThatThrownBy(() -> properties("--model", "/m", "--metrics-prefix", "vllm:"))
        .hasMessageContaining("Prometheus name");
  }
}
