package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void loadsAModelDirectoryWithItsSpecialTokensAndChatTemplate(@TempDir Path dir)
      throws IOException {
    TokenizerFixtures.writeModelDirectory("qwen3", dir);

    Tokenizer qwen = Tokenizer.load(dir);

    assertThat(qwen.vocabSize()).isEqualTo(151_669);
    assertThat(qwen.bosTokenId()).isEmpty();
    assertThat(qwen.eosTokenIds()).containsExactly(151_645); // <|im_end|>
    assertThat(qwen.chatTemplate()).hasValueSatisfying(t -> assertThat(t).contains("<|im_start|>"));
    assertThat(qwen.encode("Hello world", true)).containsExactly(9707, 1879);
  }

  @Test
  void readsBosAndEosOfEachFamily() {
    Tokenizer llama3 = TokenizerFixtures.tokenizer("llama3");
    Tokenizer llama2 = TokenizerFixtures.tokenizer("llama2");
    Tokenizer gpt2 = TokenizerFixtures.tokenizer("gpt2");

    assertThat(llama3.bosTokenId()).hasValue(128_000);
    assertThat(llama3.eosTokenIds()).containsExactly(128_001);
    assertThat(llama3.vocabSize()).isEqualTo(128_256);
    assertThat(llama2.bosTokenId()).hasValue(1);
    assertThat(llama2.eosTokenIds()).containsExactly(2);
    assertThat(llama2.vocabSize()).isEqualTo(32_000);
    assertThat(gpt2.bosTokenId()).hasValue(50_256);
    assertThat(gpt2.vocabSize()).isEqualTo(50_257);
    assertThat(gpt2.chatTemplate()).isEmpty();
  }

  @Test
  void takesTheChatTemplateFromChatTemplateJinjaWhenTheConfigHasNone(@TempDir Path dir)
      throws IOException {
    TokenizerFixtures.writeModelDirectory("gpt2", dir);
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}");

    Tokenizer tokenizer = Tokenizer.load(dir);

    assertThat(tokenizer.chatTemplate()).hasValue("{{ messages[0].content }}");
  }

  @Test
  void loadsWithoutATokenizerConfig(@TempDir Path dir) throws IOException {
    TokenizerFixtures.writeModelDirectory("gpt2", dir);
    Files.delete(dir.resolve("tokenizer_config.json"));

    Tokenizer tokenizer = Tokenizer.load(dir);

    assertThat(tokenizer.bosTokenId()).isEmpty();
    assertThat(tokenizer.eosTokenIds()).isEmpty();
    assertThat(tokenizer.encode("Hello world", true)).containsExactly(15496, 995);
  }

  @Test
  void mapsTokensToIdsAndBack() {
    Tokenizer llama3 = TokenizerFixtures.tokenizer("llama3");

    assertThat(llama3.tokenId("Ġhello")).hasValue(24748);
    assertThat(llama3.tokenText(24748)).isEqualTo("Ġhello");
    assertThat(llama3.tokenId("<|eot_id|>")).hasValue(128_009);
    assertThat(llama3.tokenText(128_009)).isEqualTo("<|eot_id|>");
    assertThat(llama3.tokenId("no such token")).isEmpty();
  }

  @Test
  void marksAddedSpecialTokensAsSpecialAndNormalAddedTokensNot() {
    Tokenizer qwen = TokenizerFixtures.tokenizer("qwen3");

    assertThat(qwen.isSpecial(qwen.tokenId("<|im_start|>").orElseThrow())).isTrue();
    assertThat(qwen.isSpecial(qwen.tokenId("<tool_call>").orElseThrow())).isFalse();
    assertThat(qwen.isSpecial(qwen.tokenId("Ġhello").orElseThrow())).isFalse();
    assertThat(qwen.isSpecial(-1)).isFalse();
  }

  @Test
  void rejectsIdsOutsideTheVocabulary() {
    Tokenizer gpt2 = TokenizerFixtures.tokenizer("gpt2");

    assertThatThrownBy(() -> gpt2.tokenText(50_257))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("50257")
        .hasMessageContaining("0 to 50256");
    assertThatThrownBy(() -> gpt2.decode(new int[] {15496, -3}, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-3");
  }

  @Test
  void templateProcessingAddsLlama3sBeginOfText() {
    // Meta's own Llama 3 tokenizer.json frames sequences with a TemplateProcessing step; the
    // npm copy has only the ByteLevel step, so put Meta's back and check BOS comes first.
    ObjectNode json = TokenizerFixtures.tokenizerJson("llama3").deepCopy();
    json.set(
        "post_processor",
        parse(
            """
            {"type": "Sequence", "processors": [
              {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false,
               "use_regex": true},
              {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                          {"Sequence": {"id": "A", "type_id": 0}}],
               "pair": [],
               "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>",
                                  "ids": [128000], "tokens": ["<|begin_of_text|>"]}}}]}
            """));
    Tokenizer official = Tokenizer.fromJson(json, TokenizerFixtures.configJson("llama3"), "test");
    int[] plain = TokenizerFixtures.tokenizer("llama3").encode("Hello world", false);

    int[] framed = official.encode("Hello world", true);

    assertThat(framed[0]).isEqualTo(128_000);
    assertThat(Arrays.copyOfRange(framed, 1, framed.length)).containsExactly(plain);
    assertThat(official.encode("Hello world", false)).containsExactly(plain);
  }

  @Test
  void robertaProcessingFramesTheSequenceWithClsAndSep() {
    ObjectNode json = TokenizerFixtures.tokenizerJson("gpt2").deepCopy();
    json.set(
        "post_processor",
        parse(
            """
            {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
             "trim_offsets": true, "add_prefix_space": false}
            """));
    Tokenizer tokenizer = Tokenizer.fromJson(json, null, "test");

    assertThat(tokenizer.encode("Hello", true)).containsExactly(0, 15496, 2);
    assertThat(tokenizer.encode("Hello", false)).containsExactly(15496);
  }

  @Test
  void metaspacePreTokenizerMatchesTheNormalizerFormOfLlama2() {
    // Newer SentencePiece-style files replace Llama 2's Prepend+Replace normalizer with a
    // Metaspace pre-tokenizer and decoder; for text that starts with a word both give the same.
    ObjectNode json = TokenizerFixtures.tokenizerJson("llama2").deepCopy();
    json.putNull("normalizer");
    json.set(
        "pre_tokenizer",
        parse(
            """
            {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}
            """));
    json.set(
        "decoder",
        parse(
            """
            {"type": "Sequence", "decoders": [{"type": "Metaspace", "replacement": "▁",
              "prepend_scheme": "first", "split": false}, {"type": "ByteFallback"},
              {"type": "Fuse"}]}
            """));
    Tokenizer metaspace = Tokenizer.fromJson(json, TokenizerFixtures.configJson("llama2"), "test");
    Tokenizer llama2 = TokenizerFixtures.tokenizer("llama2");
    String text = "Hello   world,\tdigits 12345 and ꙮ café";

    int[] ids = metaspace.encode(text, true);

    assertThat(ids).containsExactly(llama2.encode(text, true));
    assertThat(metaspace.decode(ids, true)).isEqualTo(text);
  }

  @Test
  void addedTokenWithStripFlagsSwallowsTheWhitespaceAroundIt() {
    ObjectNode json = TokenizerFixtures.tokenizerJson("gpt2").deepCopy();
    ObjectNode mask = ((ObjectNode) json.withArray("added_tokens").addObject());
    mask.put("id", 50_257).put("content", "<mask>").put("special", true);
    mask.put("lstrip", true).put("rstrip", true).put("normalized", false);
    mask.put("single_word", false);
    Tokenizer tokenizer = Tokenizer.fromJson(json, null, "test");
    Tokenizer gpt2 = TokenizerFixtures.tokenizer("gpt2");

    int[] ids = tokenizer.encode("Hello  <mask>  world", false);

    int[] hello = gpt2.encode("Hello", false);
    int[] world = gpt2.encode("world", false);
    assertThat(ids).containsExactly(concat(hello, new int[] {50_257}, world));
  }

  @Test
  void singleWordAddedTokenDoesNotMatchInsideAWord() {
    ObjectNode json = TokenizerFixtures.tokenizerJson("gpt2").deepCopy();
    ObjectNode cat = ((ObjectNode) json.withArray("added_tokens").addObject());
    cat.put("id", 50_257).put("content", "cat").put("special", false);
    cat.put("lstrip", false).put("rstrip", false).put("normalized", false);
    cat.put("single_word", true);
    Tokenizer tokenizer = Tokenizer.fromJson(json, null, "test");

    assertThat(tokenizer.encode("cat", false)).containsExactly(50_257);
    assertThat(tokenizer.encode("concatenate", false)).doesNotContain(50_257);
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
