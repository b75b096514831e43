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
 * The server under the official {@code openai} npm client: a smoke test (src/test/node/smoke.cjs)
 * against this test's server. The client comes from .ci/node-env.sh (CI exports
 * MODELFORGE_NODE_MODULES); without it the test skips, except under CI.
 */
@QuarkusTest
@QuarkusTestResource(value = ToolModelResource.class, restrictToAnnotatedClass = true)
class OpenAiNodeClientTest {

  @TestHTTPResource("/")
  URL base;

  @Test
  void theOfficialNodeClientPassesItsSmokeTest() throws Exception {
    String modules =
        ClientSuite.environment(
            base,
            "MODELFORGE_NODE_MODULES",
            ".ci/node-env.sh",
            m -> Files.isDirectory(Path.of(m, "openai")));
    Path script = Path.of("src/test/node/smoke.cjs").toAbsolutePath();

    String output =
        ClientSuite.run(base, List.of("node", script.toString()), Map.of("NODE_PATH", modules));

    assertThat(output).contains("smoke ok: 6 checks");
  }
}
