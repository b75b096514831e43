package dev.modelforge.runtime.fetch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

class UrlSourceTest {

  /** Java's connect failure has no message; the user must still learn which host and URL. */
  @Test
  void aRefusedConnectionNamesTheHostAndTheUrl() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closed + "/models/tiny.gguf";
    var source = new UrlSource(url, HttpClient.newHttpClient());

    assertThatThrownBy(source::list)
        .isInstanceOf(FetchException.class)
        .hasMessageContaining("no answer from 127.0.0.1 for " + url)
        .hasMessageContaining("ConnectException")
        .hasMessageNotContaining(": null");
  }
}
