package dev.modelforge.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Token masks over real vocabularies (byte-level GPT-2 and Qwen3, SentencePiece Llama 2): the trie
 * walk allows exactly the tokens a token-by-token check allows, and every tokenization of a valid
 * text stays allowed to its end.
 */
class GrammarConstraintTest {

  static final String JSONISH =
      """
      root ::= object
      object ::= "{" ws ( pair ( "," ws pair )* )? "}"
      pair ::= string ":" ws value
      value ::= string | number | object | "[" ws ( value ( "," ws value )* )? "]" | "true" | "null"
      string ::= "\\"" ( [^"\\\\\\x00-\\x1F] | "\\\\" ["\\\\/bfnrt] )* "\\""
      number ::= "-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )?
      ws ::= " "?
      """;

  private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

  /** A real tokenizer of the test resources (also used by the other grammar tests). */
  static Tokenizer tokenizer(String name) {
    return TOKENIZERS.computeIfAbsent(
        name,
        n -> {
          try {
            Path model = Files.createTempDirectory("modelforge-tokenizer-" + n);
            for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
              String resource = "/tokenizers/" + n + "/" + file + ".gz";
              try (InputStream in =
                  new GZIPInputStream(GrammarConstraintTest.class.getResourceAsStream(resource))) {
                Files.write(model.resolve(file), in.readAllBytes());
              }
            }
            return Tokenizer.load(model);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "qwen3", "llama2"})
  void theTrieWalkAllowsExactlyWhatEachTokenAloneWouldBeAllowed(String name) {
    Tokenizer tok = tokenizer(name);
    TokenVocabulary vocab = TokenVocabulary.of(tok);
    GrammarConstraint c = new GrammarConstraint(Grammar.parse(JSONISH), vocab);
    for (String prefix : List.of("", "{", "{\"ke", "{\"a\": [1", "{\"a\": {\"b\": \"x\\", "{\"é")) {
      ByteState s = walk(c, c.start(), prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      long[] mask = c.mask(s);
      int allowed = 0;
      for (int id = 0; id < vocab.size(); id++) {
        byte[] b = vocab.bytes(id);
        boolean alone = b != null && b.length > 0 && !walk(c, s, b).isDead();
        boolean masked = (mask[id >>> 6] & (1L << id)) != 0;
        assertThat(masked)
            .as("%s after %s: token %d %s", name, prefix, id, show(b))
            .isEqualTo(alone);
        allowed += alone ? 1 : 0;
      }
      assertThat(allowed).as("%s after %s", name, prefix).isPositive().isLessThan(vocab.size());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "qwen3", "llama2"})
  void everyTokenOfAValidTextStaysAllowed(String name) {
    Tokenizer tok = tokenizer(name);
    GrammarConstraint c = new GrammarConstraint(Grammar.parse(JSONISH), TokenVocabulary.of(tok));
    for (String text :
        List.of(
            "{\"name\": \"Ada Lovelace\", \"born\": 1815, \"tags\": [\"math\", \"poetry\"]}",
            "{\"a\":{\"b\":{\"c\":[true,null,-0.5]}}}",
            "{\"emoji\": \"😀 naïve café\", \"esc\": \"line\\nnext \\\"q\\\"\"}")) {
      int[] ids = tok.encode(text, false);
      OutputConstraint.Matcher m = c.newMatcher();
      float[] logits = new float[tok.vocabSize()];
      for (int id : ids) {
        Arrays.fill(logits, 0f);
        m.mask(logits, logits.length);
        assertThat(logits[id]).as("%s: token %d of %s", name, id, text).isZero();
        assertThat(m.canEnd()).isFalse();
        m.accept(id);
      }
      assertThat(m.canEnd()).as("complete after %s", text).isTrue();
      assertThat(m.isComplete()).isTrue();
    }
  }

  @org.junit.jupiter.api.Test
  void overlongAndSurrogateEncodingsAreNotCharacters() {
    byte[][] bytes = new byte[256][];
    for (int b = 0; b < 256; b++) {
      bytes[b] = new byte[] {(byte) b};
    }
    GrammarConstraint c =
        new GrammarConstraint(Grammar.parse("root ::= [^\"]*"), TokenVocabulary.of(bytes, false));
    // "n" spelled in four bytes (F0 80 81 AE), a surrogate (ED A0 80), and a real 4-byte emoji
    assertThat(walk(c, c.start(), new byte[] {(byte) 0xF0, (byte) 0x80}).isDead()).isTrue();
    assertThat(walk(c, c.start(), new byte[] {(byte) 0xC1}).isDead()).isTrue();
    assertThat(walk(c, c.start(), new byte[] {(byte) 0xED, (byte) 0xA0}).isDead()).isTrue();
    assertThat(c.acceptsBytes("😀é".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isTrue();
    long[] afterF0 = c.mask(walk(c, c.start(), new byte[] {(byte) 0xF0}));
    assertThat(afterF0[0x80 >>> 6] & (1L << 0x80)).as("F0 80 is overlong").isZero();
    assertThat(afterF0[0x90 >>> 6] & (1L << 0x90)).as("F0 90 starts U+10000").isNotZero();
  }

  private static ByteState walk(GrammarConstraint c, ByteState s, byte[] bytes) {
    for (byte b : bytes) {
      s = c.step(s, b & 0xFF);
    }
    return s;
  }

  private static String show(byte[] b) {
    return b == null ? "null" : Arrays.toString(b);
  }
}
