package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --api-key: every /v1 request needs the Bearer key; health and metrics stay open to probes. */
@QuarkusTest
@TestProfile(ApiKeyTest.WithKey.class)
class ApiKeyTest {

  public static final class WithKey implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(
          new TestResourceEntry(
              TestModelResource.class, Map.of("modelforge.serve.api-key", "sk-right")));
    }
  }

  @TestHTTPResource("/")
  URL base;

  private HttpResponse<String> send(String path, String authorization) throws Exception {
    var request =
        HttpRequest.newBuilder(base.toURI().resolve(path)).timeout(Duration.ofSeconds(60));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    if (path.startsWith("/v1/completions")) {
      request
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\", \"max_tokens\": 2}"));
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void v1NeedsTheKeyAndProbesDoNot() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> send("/health/ready", null).statusCode() == 200);

    var none = send("/v1/completions", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
    assertThat(none.body()).contains("invalid_api_key").contains("Authorization: Bearer");

    var wrong = send("/v1/models", "Bearer sk-wrong");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("Incorrect API key provided");

    assertThat(send("/v1/models", "Bearer sk-right").statusCode()).isEqualTo(200);
    assertThat(send("/v1/completions", "Bearer sk-right").statusCode()).isEqualTo(200);
    assertThat(send("/health", null).statusCode()).isEqualTo(200);
    assertThat(send("/metrics", null).statusCode()).isEqualTo(200);
  }
}
