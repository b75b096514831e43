package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An entry of tokenizer.json's {@code added_tokens}: a token found in the text as a whole before
 * any BPE, such as {@code <|im_start|>}. {@code special} tokens are the ones decoding can skip;
 * {@code normalized} tokens are looked for in the normalized text rather than the raw text; {@code
 * lstrip}/{@code rstrip} swallow the whitespace on that side; {@code singleWord} tokens only match
 * where they are not part of a longer word.
 */
record AddedToken(
    int id,
    String content,
    boolean special,
    boolean normalized,
    boolean lstrip,
    boolean rstrip,
    boolean singleWord) {

  static AddedToken fromJson(JsonNode node, String path) {
    int id = JsonFields.integer(node, "id", path);
    if (id < 0) {
      throw new TokenizerException(path + ".id must not be negative but is " + id);
    }
    String content = JsonFields.text(node, "content", path);
    if (content.isEmpty()) {
      throw new TokenizerException(path + ".content must not be empty");
    }
    boolean special = JsonFields.flag(node, "special", false, path);
    return new AddedToken(
        id,
        content,
        special,
        JsonFields.flag(node, "normalized", !special, path),
        JsonFields.flag(node, "lstrip", false, path),
        JsonFields.flag(node, "rstrip", false, path),
        JsonFields.flag(node, "single_word", false, path));
  }
}
