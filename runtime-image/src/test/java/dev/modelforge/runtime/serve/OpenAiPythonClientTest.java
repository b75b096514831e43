package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
    String python =
        ClientSuite.environment(
            base, "MODELFORGE_PYTHON", ".ci/python-env.sh", p -> Files.isExecutable(Path.of(p)));
    Path suite = Path.of("src/test/python/openai_client").toAbsolutePath();

    String output =
        ClientSuite.run(
            base,
            List.of(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", suite.toString()),
            Map.of());

    assertThat(output).contains("passed").doesNotContain("failed");
  }
}
