package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The byte-level BPE pipelines llama.cpp knows by the name in {@code tokenizer.ggml.pre}, each as
 * the tokenizer.json normalizer and pre-tokenizer it stands for. llama.cpp hard-codes the same
 * regexes per name; this table is how a GGUF file's name becomes a Hugging Face pipeline again and
 * how a tokenizer.json is recognised when it is exported.
 */
enum LlamaCppPreTokenizer {
  GPT2(
      "gpt2",
      null,
      """
      {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}
      """,
      false),
  /** Llama 3: digits in groups of up to three; a word that is a token is taken whole. */
  LLAMA_BPE(
      "llama-bpe",
      null,
      """
      {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex":
          "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+"},
         "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}
      """,
      true),
  /** Qwen2, Qwen2.5 and Qwen3: NFC, then single digits. */
  QWEN2(
      "qwen2",
      """
      {"type": "NFC"}
      """,
      """
      {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex":
          "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+"},
         "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}
      """,
      false);

  private final String ggufName;
  private final JsonNode normalizer;
  private final JsonNode preTokenizer;
  private final boolean ignoreMerges;

  LlamaCppPreTokenizer(
      String ggufName, String normalizer, String preTokenizer, boolean ignoreMerges) {
    this.ggufName = ggufName;
    this.normalizer = normalizer == null ? null : parse(normalizer);
    this.preTokenizer = parse(preTokenizer);
    this.ignoreMerges = ignoreMerges;
  }

  /** The value of {@code tokenizer.ggml.pre}. */
  String ggufName() {
    return ggufName;
  }

  /** tokenizer.json's {@code normalizer}, or null. */
  JsonNode normalizer() {
    return normalizer == null ? null : normalizer.deepCopy();
  }

  JsonNode preTokenizer() {
    return preTokenizer.deepCopy();
  }

  /** Whether a word that is itself a token skips the merges (llama.cpp ties this to the name). */
  boolean ignoreMerges() {
    return ignoreMerges;
  }

  static Optional<LlamaCppPreTokenizer> byGgufName(String name) {
    for (LlamaCppPreTokenizer p : values()) {
      if (p.ggufName.equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * The entry whose pipeline a tokenizer.json has; fields that only shape offsets ({@code
   * trim_offsets}) are not compared.
   */
  static Optional<LlamaCppPreTokenizer> matching(
      JsonNode normalizer, JsonNode preTokenizer, boolean ignoreMerges) {
    JsonNode n = withoutOffsetFields(normalizer);
    JsonNode p = withoutOffsetFields(preTokenizer);
    for (LlamaCppPreTokenizer entry : values()) {
      if (java.util.Objects.equals(entry.normalizer, n)
          && entry.preTokenizer.equals(p)
          && entry.ignoreMerges == ignoreMerges) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  private static JsonNode withoutOffsetFields(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    JsonNode copy = node.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode o) {
      o.remove("trim_offsets");
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        strip(it.next().getValue());
      }
    } else if (node.isArray()) {
      node.forEach(LlamaCppPreTokenizer::strip);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return new ObjectMapper().readTree(json); // enum constants exist before static fields
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
