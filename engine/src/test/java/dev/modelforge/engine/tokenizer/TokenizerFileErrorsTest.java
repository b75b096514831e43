package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing, corrupt or unsupported tokenizer gives one clear error naming file and problem. */
class TokenizerFileErrorsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path writeTokenizer(String json) throws IOException {
    return Files.writeString(dir.resolve("tokenizer.json"), json);
  }

  /** A tiny valid byte-level tokenizer.json, to be broken by each test. */
  private static ObjectNode tinyTokenizer() throws IOException {
    return (ObjectNode)
        JSON.readTree(
            """
            {"version": "1.0", "added_tokens": [],
             "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
            """);
  }

  @Test
  void aMissingModelDirectoryIsNamed() {
    Path missing = dir.resolve("no-such-model");

    assertThatThrownBy(() -> Tokenizer.load(missing))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }

  @Test
  void aDirectoryWithoutTokenizerJsonIsNamed() {
    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(dir.resolve("tokenizer.json").toString())
        .hasMessageContaining("missing");
  }

  @Test
  void truncatedJsonIsReportedWithTheFile() throws IOException {
    Path file = writeTokenizer("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0");

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void aCorruptTokenizerConfigIsReportedWithItsFile() throws IOException {
    writeTokenizer(tinyTokenizer().toString());
    Path config = Files.writeString(dir.resolve("tokenizer_config.json"), "[1, 2");

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(config.toString())
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void anUnsupportedModelTypeIsNamed() throws IOException {
    ObjectNode json = tinyTokenizer();
    ((ObjectNode) json.get("model")).put("type", "WordPiece");
    Path file = writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("$.model")
        .hasMessageContaining("WordPiece");
  }

  @Test
  void aMergeOfAnUnknownTokenIsNamedWithItsIndex() throws IOException {
    ObjectNode json = tinyTokenizer();
    ((ObjectNode) json.get("model")).putArray("merges").add("a b").add("b c");
    writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("$.model.merges[1]")
        .hasMessageContaining("\"c\"");
  }

  @Test
  void aMalformedMergeIsNamed() throws IOException {
    ObjectNode json = tinyTokenizer();
    ((ObjectNode) json.get("model")).putArray("merges").add("ab");
    writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("$.model.merges[0]")
        .hasMessageContaining("two tokens");
  }

  @Test
  void aMissingVocabularyIsNamed() throws IOException {
    ObjectNode json = tinyTokenizer();
    ((ObjectNode) json.get("model")).remove("vocab");
    writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("$.model.vocab must be an object but is missing");
  }

  @Test
  void anUnsupportedPreTokenizerIsNamedWithWhatIsSupported() throws IOException {
    ObjectNode json = tinyTokenizer();
    json.set(
        "pre_tokenizer",
        JSON.readTree(
            "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"BertPreTokenizer\"}]}"));
    writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("$.pre_tokenizer.pretokenizers[0]")
        .hasMessageContaining("BertPreTokenizer")
        .hasMessageContaining("supported: Split, ByteLevel, Metaspace, Sequence");
  }

  @Test
  void aRegexWithoutJavaEquivalentIsNamed() throws IOException {
    ObjectNode json = tinyTokenizer();
    json.set(
        "pre_tokenizer",
        JSON.readTree(
            "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(unclosed\"},"
                + " \"behavior\": \"Isolated\", \"invert\": false}"));
    writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("$.pre_tokenizer.pattern")
        .hasMessageContaining("(unclosed");
  }

  @Test
  void anAddedTokenWithoutIdIsNamed() throws IOException {
    ObjectNode json = tinyTokenizer();
    json.withArray("added_tokens").addObject().put("content", "<s>").put("special", true);
    writeTokenizer(json.toString());

    assertThatThrownBy(() -> Tokenizer.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("$.added_tokens[0].id must be an integer");
  }
}
