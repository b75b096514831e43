package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.tokenizer.TokenizerFixtures.Expectation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TokenDecoderTest {

  static List<Expectation> expectations() {
    return TokenizerFixtures.expectations();
  }

  private static List<String> stream(TokenDecoder decoder, int... ids) {
    List<String> chunks = new ArrayList<>();
    for (int id : ids) {
      chunks.add(decoder.append(id));
    }
    chunks.add(decoder.finish());
    return chunks;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectations")
  void streamedChunksJoinToTheDecodedTextAndNeverSplitACharacter(Expectation expected) {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer(expected.tokenizer());
    TokenIdBuffer all = new TokenIdBuffer(expected.ids().length);
    all.addAll(expected.ids(), expected.ids().length);

    List<String> chunks = stream(tokenizer.newTokenDecoder(false), expected.ids());

    assertThat(String.join("", chunks))
        .isEqualTo(tokenizer.decodeRaw(all, 0, expected.ids().length));
    assertThat(chunks).noneMatch(chunk -> chunk.contains("\uFFFD"));
  }

  @Test
  void holdsBackTheBytesOfACharacterUntilItsLastByteArrives() {
    // Llama 2's vocabulary lacks 'ꙮ' (U+A66E), so it is spelled with three byte tokens.
    Tokenizer tokenizer = TokenizerFixtures.tokenizer("llama2");
    int[] ids = tokenizer.encode("ꙮ", false);
    assertThat(ids).hasSize(4); // "▁" then <0xEA> <0x99> <0xAE>
    TokenDecoder decoder = tokenizer.newTokenDecoder(false);

    List<String> chunks = stream(decoder, ids);

    assertThat(chunks).containsExactly("", "", "", "ꙮ", "");
  }

  @Test
  void streamsALongGenerationPieceByPiece() {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer("llama3");
    String text = "The quick brown fox jumps over the lazy dog. 🦊🐶 ".repeat(200);
    int[] ids = tokenizer.encode(text, false);
    TokenDecoder decoder = tokenizer.newTokenDecoder(false);

    StringBuilder streamed = new StringBuilder();
    int emptyChunks = 0;
    for (int id : ids) {
      String chunk = decoder.append(id);
      emptyChunks += chunk.isEmpty() ? 1 : 0;
      streamed.append(chunk);
    }
    streamed.append(decoder.finish());

    assertThat(streamed.toString()).isEqualTo(text);
    // Only the first byte tokens of the two emoji in each repetition are held back.
    assertThat(emptyChunks).isLessThanOrEqualTo(ids.length / 4);
  }

  @Test
  void skipsSpecialTokensWhenAsked() {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer("qwen3");
    int[] ids = tokenizer.encode("<|im_start|>assistant\nHi!<|im_end|>", false);

    String skipping = String.join("", stream(tokenizer.newTokenDecoder(true), ids));
    String keeping = String.join("", stream(tokenizer.newTokenDecoder(false), ids));

    assertThat(skipping).isEqualTo("assistant\nHi!");
    assertThat(keeping).isEqualTo("<|im_start|>assistant\nHi!<|im_end|>");
  }

  @Test
  void finishReturnsAnIncompleteCharacterAsAReplacementCharacter() {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer("llama2");
    TokenDecoder decoder = tokenizer.newTokenDecoder(false);
    int firstByteOfMark = tokenizer.tokenId("<0xEA>").orElseThrow();

    String held = decoder.append(firstByteOfMark);

    assertThat(held).isEmpty();
    assertThat(decoder.finish()).isEqualTo("\uFFFD");
  }

  @Test
  void rejectsAnIdOutsideTheVocabulary() {
    TokenDecoder decoder = TokenizerFixtures.tokenizer("gpt2").newTokenDecoder(false);

    assertThatThrownBy(() -> decoder.append(50257))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("50257");
  }
}
