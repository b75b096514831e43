package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiRequestsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aBodyReadsIntoItsEndpointsTypedRecord() throws Exception {
    CompletionRequest r =
        ApiRequests.read(
            JSON.readTree(
                """
                {"model": "m", "prompt": "hi", "max_tokens": 3, "seed": 9223372036854775807,
                 "stream": true, "stream_options": {"include_usage": true},
                 "stop_token_ids": [1, 2], "top_p": 0.5, "use_beam_search": false}
                """),
            CompletionRequest.class);

    assertThat(r.model()).isEqualTo("m");
    assertThat(r.prompt().asText()).isEqualTo("hi");
    assertThat(r.maxTokens()).isEqualTo(3);
    assertThat(r.seed()).isEqualTo(Long.MAX_VALUE);
    assertThat(r.streamOptions().includeUsage()).isTrue();
    assertThat(r.stopTokenIds()).containsExactly(1, 2);
    assertThat(r.topP()).isEqualTo(0.5);
    assertThat(r.n()).as("absent").isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "{\"prompt\": \"x\", \"no_such_field\": 1}|no_such_field|is not supported",
        "{\"prompt\": \"x\", \"stream_options\": {\"every_token\": true}}|stream_options|"
            + "'stream_options.every_token' is not supported",
        "{\"prompt\": \"x\", \"stream\": \"yes\"}|stream|'stream' must be true or false",
        "{\"prompt\": \"x\", \"n\": 1.5}|n|'n' must be an integer",
        "{\"prompt\": \"x\", \"n\": \"3\"}|n|'n' must be an integer",
        "{\"prompt\": \"x\", \"model\": 5}|model|'model' must be a string",
        "{\"prompt\": \"x\", \"stop_token_ids\": [\"a\"]}|stop_token_ids|'stop_token_ids[0]'",
        "{\"prompt\": \"x\", \"max_tokens\": 10000000000}|max_tokens|max_tokens",
        "{\"prompt\": \"x\", \"seed\": 18446744073709551616}|seed|seed",
        "{\"prompt\": \"x\", \"messages\": []}|messages|is not supported"
      })
  void whatTheRecordDoesNotNameOrCannotHoldIsRefusedByName(
      String body, String param, String message) throws Exception {
    JsonNode node = JSON.readTree(body);

    ApiException e =
        catchThrowableOfType(
            ApiException.class, () -> ApiRequests.read(node, CompletionRequest.class));

    assertThat(e).as(body).isNotNull();
    assertThat(e.status).isEqualTo(400);
    assertThat(e.param).isEqualTo(param);
    assertThat(e.getMessage()).contains(message);
  }
}
