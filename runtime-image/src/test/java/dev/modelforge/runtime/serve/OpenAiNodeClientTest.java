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
    String modules = System.getenv("MODELFORGE_NODE_MODULES");
    boolean available = modules != null && Files.isDirectory(Path.of(modules, "openai"));
    if (!available && "true".equals(System.getenv("CI"))) {
      throw new AssertionError(
          "CI must run the npm client smoke test:"
              + " export MODELFORGE_NODE_MODULES=$(bash .ci/node-env.sh)");
    }
    Assumptions.assumeTrue(
        available,
        "no MODELFORGE_NODE_MODULES; run: export MODELFORGE_NODE_MODULES=$(bash .ci/node-env.sh)");
    ServerClient client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);

    Path script = Path.of("src/test/node/smoke.cjs").toAbsolutePath();
    Path log = Files.createTempFile("openai-node", ".log");
    ProcessBuilder pb =
        new ProcessBuilder("node", script.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("NODE_PATH", modules);
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
    assertThat(done).as("the smoke test finished within 5 minutes:%n%s", output).isTrue();
    assertThat(p.exitValue()).as("the smoke test failed:%n%s", output).isZero();
    assertThat(output).contains("smoke ok: 6 checks");
  }
}
