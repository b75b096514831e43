package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The server under the official {@code openai} Python client (PyPI): runs the pytest suite in
 * src/test/python/openai_client against this test's server. The Python environment comes from
 * .ci/python-env.sh (CI exports MODELFORGE_PYTHON); without it the test skips, except under CI.
 */
@QuarkusTest
@QuarkusTestResource(value = ToolModelResource.class, restrictToAnnotatedClass = true)
class OpenAiPythonClientTest {

  @TestHTTPResource("/")
  URL base;

  @Test
  void theOfficialPythonClientPassesItsSuite() throws Exception {
    String python = System.getenv("MODELFORGE_PYTHON");
    boolean available = python != null && Files.isExecutable(Path.of(python));
    if (!available && "true".equals(System.getenv("CI"))) {
      throw new AssertionError(
          "CI must run the openai client suite: export MODELFORGE_PYTHON=$(bash .ci/python-env.sh)");
    }
    Assumptions.assumeTrue(
        available, "no MODELFORGE_PYTHON; run: export MODELFORGE_PYTHON=$(bash .ci/python-env.sh)");
    ServerClient client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);

    Path suite = Path.of("src/test/python/openai_client").toAbsolutePath();
    Path log = Files.createTempFile("openai-client", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", suite.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("OPENAI_BASE_URL", base.toURI().resolve("/v1").toString());
    pb.environment().put("OPENAI_API_KEY", "sk-unused");
    pb.environment().put("MODELFORGE_MODEL", "tiny");
    Process p = pb.start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(done).as("pytest finished within 5 minutes:%n%s", output).isTrue();
    assertThat(p.exitValue()).as("pytest failed:%n%s", output).isZero();
    assertThat(output).contains("passed");
  }
}
