package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chat templates of real models (Llama 3 and Qwen 3 tokenizer_config.json) rendered by our
 * Jinjava setup must match Hugging Face's reference Jinja implementation byte for byte. The
 * expected prompts come from {@code src/test/node/make-chat-template-expectations.mjs}.
 */
class ChatTemplateConformanceTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static Stream<Arguments> cases() throws IOException {
    JsonNode root = expectations();
    List<Arguments> out = new ArrayList<>();
    int i = 0;
    for (JsonNode c : root.get("cases")) {
      String family = c.get("family").asText();
      out.add(
          Arguments.of(
              family + " #" + i++ + (c.get("addGenerationPrompt").asBoolean() ? " +gen" : ""),
              root.get("templates").get(family).asText(),
              c));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rendersLikeHuggingFace(String name, String template, JsonNode c) {
    ChatTemplate chat = new ChatTemplate(template, c.get("bos").asText(), c.get("eos").asText());
    List<Map<String, Object>> messages =
        JSON.convertValue(c.get("messages"), new TypeReference<>() {});

    String rendered = chat.render(messages, c.get("addGenerationPrompt").asBoolean());

    assertThat(rendered).isEqualTo(c.get("expected").asText());
  }

  @Test
  void aTemplateThatRaisesIsAClearError() {
    ChatTemplate chat =
        new ChatTemplate(
            "{% if messages[0].role != 'user' %}{{ raise_exception('user first') }}{% endif %}ok",
            "", "");

    assertThatThrownBy(() -> chat.render(List.of(Map.of("role", "system", "content", "x")), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user first");
    assertThat(chat.render(List.of(Map.of("role", "user", "content", "x")), true)).isEqualTo("ok");
  }

  private static JsonNode expectations() throws IOException {
    try (InputStream in =
        ChatTemplateConformanceTest.class.getResourceAsStream(
            "/chat-templates/expectations.json")) {
      return JSON.readTree(in);
    }
  }
}
