package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Oniguruma patterns from tokenizer.json match in Java what they match in the reference. */
class TokenizerRegexTest {

  /** The non-empty matches, in order. */
  private static List<String> matches(String oniguruma, String text) {
    Matcher matcher = TokenizerRegex.compile(oniguruma).matcher(text);
    return matcher.results().map(r -> r.group()).filter(m -> !m.isEmpty()).toList();
  }

  @Test
  void whitespaceEscapeMatchesUnicodeWhiteSpace() {
    assertThat(matches("\\s+", "a\u00a0\u3000\u0085\u2003b"))
        .containsExactly("\u00a0\u3000\u0085\u2003");
    assertThat(matches("[^\\s]+", "a\u3000b")).containsExactly("a", "b");
  }

  @Test
  void inlineCaseInsensitivityStaysAscii() {
    // Java's Unicode case folding would also match the long s (U+017F); the reference does not.
    assertThat(matches("(?i:'s)", "'s 'S '\u017f")).containsExactly("'s", "'S");
  }

  @Test
  void digitAndWordEscapesAreUnicodeAware() {
    assertThat(matches("\\d+", "12 ١٢٣")).containsExactly("12", "١٢٣");
    assertThat(matches("\\w+", "héllo_wörld 中文")).containsExactly("héllo_wörld", "中文");
  }

  @Test
  void scriptPropertiesAndHexDigitsTranslate() {
    assertThat(matches("\\p{Han}+", "abc中文def")).containsExactly("中文");
    assertThat(matches("\\h+", "0xFFzz")).containsExactly("0", "FF");
  }

  @Test
  void braceThatStartsNoRepetitionIsALiteral() {
    assertThat(matches("{x}|a{2}|b{,2}", "{x} aaa bbb")).containsExactly("{x}", "aa", "bb", "b");
  }

  @Test
  void dotMatchesEverythingButNewline() {
    assertThat(matches(".+", "a\rb\u2028c\nd")).containsExactly("a\rb\u2028c", "d");
  }

  @Test
  void theLlama3PatternSplitsLikeTheReference() {
    Pattern llama3 =
        TokenizerRegex.compile(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
                + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    List<String> words =
        llama3.matcher("I'M here  12345!\n\n  ok").results().map(r -> r.group()).toList();

    assertThat(words)
        .containsExactly("I", "'M", " here", " ", " ", "123", "45", "!\n\n", " ", " ok");
  }
}
