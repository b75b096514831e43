package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs an official OpenAI client's suite (another language's process) against a test server: the
 * client's environment comes from a .ci script through a variable, which CI must set; elsewhere the
 * suite skips without it.
 */
final class ClientSuite {

  private ClientSuite() {}

  /**
   * The environment variable {@code variable}'s value, once the server is ready; skips (or, under
   * CI, fails) when {@code present} says the environment is missing.
   */
  static String environment(
      URL base, String variable, String script, java.util.function.Predicate<String> present)
      throws Exception {
    String value = System.getenv(variable);
    boolean available = value != null && present.test(value);
    String hint = "export " + variable + "=$(bash " + script + ")";
    if (!available && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI must run the official client's suite: " + hint);
    }
    Assumptions.assumeTrue(available, "no " + variable + "; run: " + hint);
    ServerClient client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
    return value;
  }

  /** Runs {@code command} against the server at {@code base}; its output, once it succeeded. */
  static String run(URL base, List<String> command, Map<String, String> env) throws Exception {
    var log = Files.createTempFile("openai-client", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("OPENAI_BASE_URL", base.toURI().resolve("/v1").toString());
    pb.environment().put("OPENAI_API_KEY", "sk-unused");
    pb.environment().put("MODELFORGE_MODEL", "tiny");
    pb.environment().putAll(env);
    Process p = pb.start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(done).as("%s finished within 5 minutes:%n%s", command, output).isTrue();
    assertThat(p.exitValue()).as("%s failed:%n%s", command, output).isZero();
    return output;
  }
}
