package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.gguf.GgufStore;
import dev.modelforge.engine.format.gguf.GgufTokenizer;
import dev.modelforge.engine.format.gguf.GgufValue;
import dev.modelforge.engine.format.gguf.GgufValueType;
import dev.modelforge.engine.format.gguf.GgufWriter;
import dev.modelforge.engine.tokenizer.TokenizerFixtures.Expectation;
import dev.modelforge.examples.ArithmeticTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tokenizer.json → llama.cpp's tokenizer.ggml.* keys in a GGUF file → a tokenizer again: the one
 * read from the file must give Hugging Face's ids and texts, as the tokenizer.json one does.
 */
class GgufTokenizerRoundTripTest {

  /** Rows the model has beyond the tokenizer, which export fills as convert_hf_to_gguf does. */
  private static final int EXTRA_ROWS = 3;

  /** Spaces, tabs, newlines, digits, CJK, emoji, accents and an apostrophe. */
  private static final String VARIED =
      "Hello  world!\n\n\tTabs\tand  double  spaces   \r\n12345 + 67.8 = 9e10\n"
          + "日本語のテキストと中文 😀👍🏽 naïve café — don't";

  @TempDir static Path files;

  private static final Map<String, Tokenizer> FROM_GGUF = new ConcurrentHashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<Expectation> expectations() {
    return TokenizerFixtures.expectations();
  }

  private static Tokenizer fromGguf(String name) {
    return FROM_GGUF.computeIfAbsent(
        name, n -> viaGgufFile(vocabulary(n), files.resolve(n + ".gguf")));
  }

  private static LlamaCppVocabulary vocabulary(String name) {
    try {
      Path dir = Files.createDirectories(files.resolve(name));
      TokenizerFixtures.writeModelDirectory(name, dir);
      int rows = TokenizerFixtures.tokenizer(name).vocabSize() + EXTRA_ROWS;
      return LlamaCppVocabulary.fromModelDirectory(dir, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Tokenizer viaGgufFile(LlamaCppVocabulary vocabulary, Path file) {
    try {
      GgufWriter out = new GgufWriter();
      GgufTokenizer.write(vocabulary, out);
      out.write(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return GgufTokenizer.load(file).orElseThrow();
  }

  private static LlamaCppVocabulary withPreAndMerges(
      LlamaCppVocabulary v, String pre, List<String> merges) {
    return new LlamaCppVocabulary(
        v.model(),
        pre,
        v.tokens(),
        v.tokenTypes(),
        v.scores(),
        merges,
        v.bosId(),
        v.eosId(),
        v.unknownId(),
        v.paddingId(),
        v.addBos(),
        v.addEos(),
        v.addSpacePrefix(),
        v.cleanUpTokenizationSpaces(),
        v.chatTemplate());
  }

  private static LlamaCppVocabulary readBack(String name) {
    fromGguf(name);
    Path file = files.resolve(name + ".gguf");
    try (GgufStore gguf = GgufStore.open(file)) {
      return GgufTokenizer.read(gguf.metadata(), file).orElseThrow();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectations")
  void encodesLikeHuggingFaceAfterTheRoundTrip(Expectation expected) {
    Tokenizer tokenizer = fromGguf(expected.tokenizer());

    assertThat(tokenizer.encode(expected.text(), true)).containsExactly(expected.ids());
    assertThat(tokenizer.encode(expected.text(), false))
        .containsExactly(expected.idsWithoutSpecialTokens());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectations")
  void decodesLikeHuggingFaceAfterTheRoundTrip(Expectation expected) {
    Tokenizer tokenizer = fromGguf(expected.tokenizer());

    assertThat(tokenizer.decode(expected.ids(), false)).isEqualTo(expected.decoded());
    assertThat(tokenizer.decode(expected.ids(), true))
        .isEqualTo(expected.decodedSkippingSpecialTokens());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama2", "llama3", "qwen3"})
  void givesTheTokenizerJsonIdsOnVariedTextWithSpecialTokens(String name) {
    Tokenizer json = TokenizerFixtures.tokenizer(name);
    Tokenizer gguf = fromGguf(name);
    String eos = json.tokenText(json.eosTokenIds()[0]);
    String text = VARIED + eos + " after the end " + eos + "[PAD" + json.vocabSize() + "]";

    assertThat(gguf.encode(text, true)).containsExactly(json.encode(text, true));
    assertThat(gguf.encode(text, false)).containsExactly(json.encode(text, false));
    assertThat(gguf.eosTokenIds()).containsExactly(json.eosTokenIds());
    assertThat(gguf.bosTokenId()).isEqualTo(json.bosTokenId());
    assertThat(gguf.chatTemplate()).isEqualTo(json.chatTemplate());
    int[] ids = json.encode(text, true);
    assertThat(gguf.decode(ids, true)).isEqualTo(json.decode(ids, true));
  }

  @Test
  void byteLevelTokenizersAreNamedAsLlamaCppNamesThem() {
    assertThat(readBack("gpt2").model()).isEqualTo("gpt2");
    assertThat(readBack("gpt2").pre()).isEqualTo("gpt2");
    assertThat(readBack("llama3").pre()).isEqualTo("llama-bpe");
    assertThat(readBack("qwen3").pre()).isEqualTo("qwen2");
    assertThat(readBack("qwen3").scores()).isNull();
  }

  @Test
  void sentencePieceTokenizerHasScoresByteTokensAndLlamaDefaults() {
    LlamaCppVocabulary v = readBack("llama2");

    assertThat(v.model()).isEqualTo("llama");
    assertThat(v.pre()).isNull();
    assertThat(v.tokens()).hasSize(32000 + EXTRA_ROWS);
    assertThat(v.tokens().get(32000)).isEqualTo("[PAD32000]");
    assertThat(v.tokenTypes()[32000]).isEqualTo(LlamaCppVocabulary.USER_DEFINED);
    assertThat(v.tokenTypes()[0]).isEqualTo(LlamaCppVocabulary.UNKNOWN);
    assertThat(v.tokenTypes()[1]).isEqualTo(LlamaCppVocabulary.CONTROL);
    assertThat(v.tokens().get(3)).isEqualTo("<0x00>");
    assertThat(v.tokenTypes()[3]).isEqualTo(LlamaCppVocabulary.BYTE);
    assertThat(v.scores()).hasSize(v.tokens().size());
    assertThat(v.bosId()).hasValue(1);
    assertThat(v.eosId()).hasValue(2);
    assertThat(v.unknownId()).hasValue(0);
    assertThat(v.addBos()).isTrue();
    assertThat(v.addEos()).isFalse();
    assertThat(v.addSpacePrefix()).isTrue();
  }

  @Test
  void sentencePieceFileWithoutMergesRanksThemByScore() {
    String name = "llama2";
    LlamaCppVocabulary v = readBack(name);
    LlamaCppVocabulary scoresOnly = withPreAndMerges(v, v.pre(), List.of());
    Tokenizer json = TokenizerFixtures.tokenizer(name);

    Tokenizer tokenizer = viaGgufFile(scoresOnly, files.resolve(name + "-scores-only.gguf"));

    for (Expectation e : expectations()) {
      if (e.tokenizer().equals(name)) {
        assertThat(tokenizer.encode(e.text(), true)).as(e.toString()).containsExactly(e.ids());
      }
    }
    assertThat(tokenizer.encode(VARIED, true)).containsExactly(json.encode(VARIED, true));
  }

  @Test
  void arithmeticTokenizerOfTheTrainingDemoRoundTrips(@TempDir Path dir) throws IOException {
    ArithmeticTask.writeTokenizer(dir);
    Tokenizer json = Tokenizer.load(dir);
    LlamaCppVocabulary v = LlamaCppVocabulary.fromModelDirectory(dir, json.vocabSize());

    Tokenizer gguf = viaGgufFile(v, dir.resolve("arithmetic.gguf"));

    assertThat(v.model()).isEqualTo("llama");
    assertThat(v.addSpacePrefix()).isFalse();
    String text = "12 + 7 = 19</s>";
    assertThat(gguf.encode(text, true)).containsExactly(json.encode(text, true));
    assertThat(gguf.decode(json.encode(text, true), true)).isEqualTo("12 + 7 = 19");
    assertThat(gguf.eosTokenIds()).containsExactly(json.eosTokenIds());
  }

  @Test
  void pipelineLlamaCppHasNoNameForIsRefusedOnExport(@TempDir Path dir) throws IOException {
    ObjectNode json = (ObjectNode) TokenizerFixtures.tokenizerJson("gpt2");
    json.putObject("normalizer").put("type", "Lowercase");
    Files.write(dir.resolve("tokenizer.json"), JSON.writeValueAsBytes(json));

    assertThatThrownBy(() -> LlamaCppVocabulary.fromModelDirectory(dir, 50257))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(dir.resolve("tokenizer.json").toString())
        .hasMessageContaining("Lowercase")
        .hasMessageContaining("no pipeline llama.cpp implements");
  }

  @Test
  void tokenizerLargerThanTheModelIsRefused(@TempDir Path dir) throws IOException {
    TokenizerFixtures.writeModelDirectory("gpt2", dir);

    assertThatThrownBy(() -> LlamaCppVocabulary.fromModelDirectory(dir, 1000))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("50257 token ids but the model's embedding has 1000 rows");
  }

  @Test
  void byteLevelFileWithAPreTokenizerModelForgeDoesNotKnowSaysWhichOne() {
    LlamaCppVocabulary v = readBack("gpt2");
    LlamaCppVocabulary deepseek = withPreAndMerges(v, "deepseek-llm", v.merges());
    Path file = files.resolve("deepseek.gguf");

    assertThatThrownBy(() -> viaGgufFile(deepseek, file))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("tokenizer.ggml.pre is 'deepseek-llm'")
        .hasMessageContaining("llama-bpe");
  }

  @Test
  void malformedTokenTypesNameTheFile() throws IOException {
    Path file = files.resolve("bad-types.gguf");
    GgufWriter out = new GgufWriter();
    out.putString("tokenizer.ggml.model", "gpt2");
    out.put(
        "tokenizer.ggml.tokens",
        new GgufValue.ArrayValue(GgufValueType.STRING, List.of(new GgufValue.StringValue("a"))));
    out.putString("tokenizer.ggml.token_type", "normal");
    out.write(file);

    assertThatThrownBy(() -> GgufTokenizer.load(file))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("tokenizer.ggml.token_type");
  }
}
