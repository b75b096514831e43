package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What tokenizer_config.json adds to tokenizer.json: which tokens are BOS and EOS, the chat
 * template, whether decoding tidies spaces before punctuation, and extra special tokens.
 */
record TokenizerConfig(
    Optional<String> bosToken,
    Optional<String> eosToken,
    Optional<String> chatTemplate,
    boolean cleanUpTokenizationSpaces,
    List<String> additionalSpecialTokens) {

  static final TokenizerConfig ABSENT =
      new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty(), false, List.of());

  static TokenizerConfig fromJson(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return ABSENT;
    }
    if (!node.isObject()) {
      throw new TokenizerException(
          "the file must hold a JSON object but holds " + node.getNodeType());
    }
    List<String> additional = new ArrayList<>();
    JsonNode list = node.get("additional_special_tokens");
    if (list != null && list.isArray()) {
      list.forEach(token -> tokenContent(token).ifPresent(additional::add));
    }
    JsonNode cleanUp = node.get("clean_up_tokenization_spaces");
    return new TokenizerConfig(
        tokenContent(node.get("bos_token")),
        tokenContent(node.get("eos_token")),
        chatTemplate(node.get("chat_template")),
        // Current Hugging Face transformers default to false when the file does not say.
        cleanUp != null && cleanUp.asBoolean(false),
        List.copyOf(additional));
  }

  /** A token written as "<s>" or as {"content": "<s>", ...}. */
  static Optional<String> tokenContent(JsonNode token) {
    if (token == null) {
      return Optional.empty();
    }
    if (token.isTextual()) {
      return Optional.of(token.asText());
    }
    if (token.isObject() && token.path("content").isTextual()) {
      return Optional.of(token.get("content").asText());
    }
    return Optional.empty();
  }

  /**
   * A template string, or a list of named templates of which the one named "default" (else the
   * first) is the chat template.
   */
  private static Optional<String> chatTemplate(JsonNode template) {
    if (template == null) {
      return Optional.empty();
    }
    if (template.isTextual()) {
      return Optional.of(template.asText());
    }
    if (template.isArray()) {
      String first = null;
      for (JsonNode named : template) {
        String text = named.path("template").isTextual() ? named.get("template").asText() : null;
        if (text != null && "default".equals(named.path("name").asText())) {
          return Optional.of(text);
        }
        first = first == null ? text : first;
      }
      return Optional.ofNullable(first);
    }
    return Optional.empty();
  }
}
