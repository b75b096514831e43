package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelforge.engine.generate.BeamSearch;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A beam search may hold no more KV cache than the server's paged cache is given. */
@QuarkusTest
@TestProfile(BeamSearchMemoryTest.SmallCache.class)
class BeamSearchMemoryTest {

  public static final class SmallCache implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(
          new TestResourceEntry(
              TestModelResource.class, Map.of("modelforge.serve.kv-cache-memory", "1M")));
    }
  }

  @TestHTTPResource("/")
  URL base;

  private static String beams(int n, int maxTokens) {
    return """
        {"prompt": "wide", "max_tokens": %d, "n": %d, "use_beam_search": true, "ignore_eos": true}
        """
        .formatted(maxTokens, n);
  }

  @Test
  void aSearchTooWideForTheCacheIsRefusedAndTheServerGoesOn() throws Exception {
    ServerClient client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
    assertThat(BeamSearch.cacheBytes(TestModelResource.config(), 16, 5, 200))
        .as("the wide search needs more than the 1M cache")
        .isGreaterThan(1 << 20);

    ServerClient.Reply wide = client.post("/v1/completions", beams(16, 200));

    assertThat(wide.status()).isEqualTo(400);
    assertThat(wide.json().path("error").path("message").asText())
        .contains("use_beam_search with n=16")
        .contains("lower n or max_tokens");
    ServerClient.Reply narrow = client.post("/v1/completions", beams(2, 4));
    assertThat(narrow.status()).isEqualTo(200);
    assertThat(narrow.json().path("choices")).hasSize(2);
  }
}
