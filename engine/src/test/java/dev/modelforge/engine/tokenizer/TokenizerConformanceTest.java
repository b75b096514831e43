package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.tokenizer.TokenizerFixtures.Expectation;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's tokenizer gives the ids and texts that Hugging Face's implementation gives, on the
 * real tokenizer files of GPT-2, Llama 2 (SentencePiece style), Llama 3 and Qwen 3.
 */
class TokenizerConformanceTest {

  static List<Expectation> expectations() {
    return TokenizerFixtures.expectations();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectations")
  void encodesWithSpecialTokensLikeHuggingFace(Expectation expected) {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer(expected.tokenizer());

    int[] ids = tokenizer.encode(expected.text(), true);

    assertThat(ids).containsExactly(expected.ids());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectations")
  void encodesWithoutSpecialTokensLikeHuggingFace(Expectation expected) {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer(expected.tokenizer());

    int[] ids = tokenizer.encode(expected.text(), false);

    assertThat(ids).containsExactly(expected.idsWithoutSpecialTokens());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expectations")
  void decodesLikeHuggingFace(Expectation expected) {
    Tokenizer tokenizer = TokenizerFixtures.tokenizer(expected.tokenizer());

    String decoded = tokenizer.decode(expected.ids(), false);
    String skipping = tokenizer.decode(expected.ids(), true);

    assertThat(decoded).isEqualTo(expected.decoded());
    assertThat(skipping).isEqualTo(expected.decodedSkippingSpecialTokens());
  }
}
