package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One sequence at a time and one waiting: the rest of a burst must get 429, not pile up. */
@QuarkusTest
@TestProfile(FullQueueTest.TinyQueue.class)
class FullQueueTest {

  public static final class TinyQueue implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(
          new TestResourceEntry(
              TestModelResource.class,
              Map.of(
                  "modelforge.serve.max-batch", "1",
                  "modelforge.serve.max-tokens-per-step", "1",
                  "modelforge.serve.max-waiting", "1")));
    }
  }

  @TestHTTPResource("/")
  URL base;

  @Test
  void aBurstBeyondTheQueueGets429WithRetryAfterAndTheRestComplete() throws Exception {
    ServerClient client = new ServerClient(base.toURI());
    await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health/ready").status() == 200);
    String body =
        "{\"prompt\": \"busy busy\", \"max_tokens\": 40, \"temperature\": 0, \"ignore_eos\": true}";

    List<ServerClient.Reply> replies = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<ServerClient.Reply>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        futures.add(pool.submit(() -> client.post("/v1/completions", body)));
      }
      for (Future<ServerClient.Reply> f : futures) {
        replies.add(f.get());
      }
    }

    List<ServerClient.Reply> refused = replies.stream().filter(r -> r.status() == 429).toList();
    List<ServerClient.Reply> served = replies.stream().filter(r -> r.status() == 200).toList();
    assertThat(refused).isNotEmpty();
    assertThat(served).isNotEmpty();
    assertThat(refused.size() + served.size()).isEqualTo(8);
    ServerClient.Reply r = refused.getFirst();
    assertThat(r.raw().headers().firstValue("Retry-After")).hasValue("1");
    assertThat(r.json().path("error").path("message").asText()).contains("retry");
    for (ServerClient.Reply ok : served) {
      assertThat(ok.json().path("usage").path("completion_tokens").asInt()).isEqualTo(40);
    }
  }
}
