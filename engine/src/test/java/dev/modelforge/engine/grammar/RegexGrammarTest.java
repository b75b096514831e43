package dev.modelforge.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RegexGrammarTest {

  private static final List<String> REGEXES =
      List.of(
          "",
          "abc",
          "a|b|c",
          "a*",
          "a+b?",
          "(ab)*c",
          "(?:ab|cd){2,3}",
          "[a-z]+[0-9]{2}",
          "[^a-c]x",
          "\\d{3}-\\d{4}",
          "\\w+@\\w+\\.com",
          "\\s*x\\s*",
          "[\\d\\s]+",
          "[^\\d]+",
          "\\D\\W\\S",
          ".*",
          "a.c",
          "^foo$",
          "^(a|b)+$",
          "(a|)b",
          "(a*)*b",
          "(a?b?)+",
          "(a|b*)*c",
          "x{0}y",
          "(?<year>\\d{4})-(?<month>\\d\\d)",
          "a{2,}",
          "a{1,3}b{2}",
          "[-a]+",
          "[a-]+",
          "\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\\\\\^\\$",
          "\\u00e9+",
          "[\\u0041-\\u0043]+",
          "a+?b",
          "a??b",
          "colou?r",
          "(red|green|blue)( (red|green|blue))*",
          "\\t\\n",
          "[\\\\\\]]+",
          "\"[^\"]*\"",
          "[.]",
          "a\\$",
          "\\\\$",
          "\\x41\\u0042",
          "\\uD83D\\uDE00+.");

  private static final List<String> TEXTS =
      List.of(
          "",
          "a",
          "b",
          "c",
          "x",
          "y",
          "aa",
          "aaa",
          "ab",
          "abc",
          "abab",
          "ababc",
          "cd",
          "abcd",
          "cdabab",
          "ax",
          "dx",
          "Ax",
          "axc",
          "a.c",
          "a\nc",
          "a\rc",
          "foo",
          "fo",
          "fooo",
          "abba",
          "aab",
          "bb",
          "bbbc",
          "babac",
          "aaaaab",
          "123-4567",
          "12-34567",
          "joe@mail.com",
          "joe@mail.org",
          " x ",
          "x  ",
          "1 2",
          "12 ",
          "ab12",
          "abc123",
          "z99",
          "1!_",
          "1a_",
          "é",
          "ééé",
          "ABC",
          "ABCD",
          "red",
          "red green",
          "red  green",
          "blue red blue",
          "\t\n",
          "\\",
          "\\]\\",
          "\"\"",
          "\"hi\"",
          "\"a\"b\"",
          ".",
          "$",
          "a$",
          "AB",
          ".*+?()[]{}|\\^$",
          "colour",
          "color",
          "2024-01",
          "2024-1",
          "aaab",
          "abbb",
          "😀",
          "😀😀",
          "😀😀é");

  private static boolean grammarMatches(String regex, String text) {
    return Grammar.parse(RegexGrammar.fromRegex(regex)).matches(text);
  }

  @Test
  void acceptsTheSameStringsAsJavaRegex() {
    List<String> disagreements = new ArrayList<>();
    for (String regex : REGEXES) {
      Grammar grammar = Grammar.parse(RegexGrammar.fromRegex(regex));
      Pattern pattern = Pattern.compile(regex);
      for (String text : TEXTS) {
        boolean expected = pattern.matcher(text).matches();
        if (grammar.matches(text) != expected) {
          disagreements.add(regex + " on '" + text + "': java says " + expected);
        }
      }
    }
    assertThat(disagreements).isEmpty();
  }

  @Test
  void boundedRepeatsCountExactly() {
    Grammar g = Grammar.parse(RegexGrammar.fromRegex("(ab){2,4}c{3}"));
    assertThat(g.matches("ababccc")).isTrue();
    assertThat(g.matches("abababab" + "ccc")).isTrue();
    assertThat(g.matches("abccc")).isFalse();
    assertThat(g.matches("ababababab" + "ccc")).isFalse();
    assertThat(g.matches("ababcc")).isFalse();
  }

  @Test
  void repeatsBeyondTheGbnfLimitAreSplit() {
    Grammar g = Grammar.parse(RegexGrammar.fromRegex("a{1500,2600}"));
    assertThat(g.matches("a".repeat(1499))).isFalse();
    assertThat(g.matches("a".repeat(1500))).isTrue();
    assertThat(g.matches("a".repeat(2100))).isTrue();
    assertThat(g.matches("a".repeat(2600))).isTrue();
    assertThat(g.matches("a".repeat(2601))).isFalse();
  }

  @Test
  void dotExcludesLineTerminatorsOnly() {
    Grammar g = Grammar.parse(RegexGrammar.fromRegex("."));
    assertThat(g.matches("\u0000")).isTrue();
    assertThat(g.matches("😀")).isTrue();
    assertThat(g.matches("\n")).isFalse();
    assertThat(g.matches("\r")).isFalse();
    assertThat(g.matches("\u2028")).isFalse();
  }

  @Test
  void negatedClassesCoverAllOfUnicode() {
    Grammar g = Grammar.parse(RegexGrammar.fromRegex("[^a]\\S\\W"));
    assertThat(g.matches("😀é-")).isTrue();
    assertThat(g.matches("a\u4e2d-")).isFalse();
  }

  @Test
  void toGbnfNamesTheRuleSoOtherGrammarsCanUseIt() {
    String rules = RegexGrammar.toGbnf("[0-9]+", "digits");
    assertThat(rules).startsWith("digits ::= ");
    Grammar g = Grammar.parse("root ::= \"n=\" digits\n" + rules);
    assertThat(g.matches("n=42")).isTrue();
    assertThat(g.matches("n=")).isFalse();
  }

  @Test
  void fromRegexIsACompleteGrammar() {
    assertThat(RegexGrammar.fromRegex("a|b")).startsWith("root ::= ");
  }

  @Test
  void refusesARuleNameGbnfCannotSpell() {
    assertThatThrownBy(() -> RegexGrammar.toGbnf("a", "my rule"))
        .isInstanceOf(GrammarException.class)
        .hasMessageContaining("'my rule'");
  }

  @Test
  void refusesConstructsAGrammarCannotExpressNamingThemAndWhere() {
    assertRefused("(a)\\1", "backreference '\\1'", "index 3");
    assertRefused("(?<x>a)\\k<x>", "backreference '\\k'", "index 7");
    assertRefused("a(?=b)", "lookahead '(?='", "index 1");
    assertRefused("a(?!b)", "lookahead '(?!'", "index 1");
    assertRefused("(?<=a)b", "lookbehind '(?<='", "index 0");
    assertRefused("(?<!a)b", "lookbehind '(?<!'", "index 0");
    assertRefused("a^b", "anchor '^'", "index 1");
    assertRefused("a$b", "anchor '$'", "index 1");
    assertRefused("(a$)", "anchor '$'", "index 2");
    assertRefused("\\bword", "word boundary '\\b'", "index 0");
    assertRefused("(?i)abc", "inline flags", "index 0");
    assertRefused("\\Aabc", "anchor '\\A'", "index 0");
    assertRefused("\\p{L}", "Unicode property", "index 0");
  }

  @Test
  void refusesMalformedRegexesWithThePosition() {
    assertRefused("*a", "nothing to repeat", "index 0");
    assertRefused("a**", "nothing to repeat", "index 2");
    assertRefused("(ab", "not closed", "index 0");
    assertRefused("ab)", "closes no group", "index 2");
    assertRefused("[ab", "not closed", "index 0");
    assertRefused("a{2,1}", "reversed", "index 1");
    assertRefused("a{x}", "malformed repeat", "index 1");
    assertRefused("[z-a]", "out of order", "index 1");
    assertRefused("[\\d-z]", "one character at each end", "index 1");
    assertRefused("ab\\", "lone backslash", "index 2");
    assertRefused("\\q", "unknown escape", "index 0");
    assertRefused("[^\\s\\S]", "matches no character", "index 0");
  }

  private static void assertRefused(String regex, String what, String where) {
    assertThatThrownBy(() -> RegexGrammar.fromRegex(regex))
        .isInstanceOf(GrammarException.class)
        .hasMessageContaining(what)
        .hasMessageContaining(where);
  }

  @Test
  void jsonStringBodySpellsCharactersAsJsonDoes() {
    String gbnf =
        "root ::= \"\\\"\" content \"\\\"\"\ncontent ::= "
            + RegexGrammar.jsonStringBody("a\"[/\\\\]\\n.")
            + "\n";
    Grammar g = Grammar.parse(gbnf);
    assertThat(g.matches("\"a\\\"/\\nx\"")).isTrue();
    assertThat(g.matches("\"a\\\"\\/\\n\\\"\"")).isTrue();
    assertThat(g.matches("\"a\\\"\\\\\\n\\u0001\"")).isTrue();
    assertThat(g.matches("\"a\\\"\\\\\\n\\u001F\"")).isTrue();
    assertThat(g.matches("\"a\"/\\nx\"")).isFalse(); // a raw quote ends the string
    assertThat(g.matches("\"a\\\"/\nx\"")).isFalse(); // a raw newline is not JSON
    assertThat(g.matches("\"a\\\"/\\n\\n\"")).isFalse(); // '.' is not a newline
    assertThat(grammarMatches("", "")).isTrue();
  }
}
