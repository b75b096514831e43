package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Requests shaped the way OpenAI clients send them, through an ordinary HTTP client. */
final class ServerClient {

  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;

  ServerClient(URI base) {
    this.base = base;
  }

  record Reply(int status, String body, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  Reply post(String path, String body) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve(path))
                  .timeout(Duration.ofSeconds(120))
                  .header("Content-Type", "application/json")
                  .header("Authorization", "Bearer sk-unused")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  Reply get(String path) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve(path))
                  .timeout(Duration.ofSeconds(30))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** The JSON payloads of an SSE body's {@code data:} events, "[DONE]" included as text. */
  static List<String> events(String sse) {
    List<String> out = new ArrayList<>();
    for (String block : sse.split("\n\n")) {
      if (block.isBlank()) {
        continue;
      }
      if (!block.startsWith("data: ")) {
        throw new AssertionError("SSE event without 'data: ': " + block);
      }
      out.add(block.substring("data: ".length()));
    }
    return out;
  }
}
