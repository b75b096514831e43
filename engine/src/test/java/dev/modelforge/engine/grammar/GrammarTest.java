package dev.modelforge.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** GBNF as llama.cpp reads it: the language each construct matches, and the refusals. */
class GrammarTest {

  @Test
  void literalsClassesAndAlternatives() {
    Grammar g = Grammar.parse("root ::= \"yes\" | \"no\" | [0-9] [a-c]");
    assertThat(g.matches("yes")).isTrue();
    assertThat(g.matches("no")).isTrue();
    assertThat(g.matches("7b")).isTrue();
    assertThat(g.matches("ye")).isFalse();
    assertThat(g.matches("yess")).isFalse();
    assertThat(g.matches("7d")).isFalse();
    assertThat(g.matches("")).isFalse();
  }

  @Test
  void repetitionOperators() {
    Grammar g = Grammar.parse("root ::= \"a\"* \"b\"+ \"c\"? [x]{2} [y]{1,3} [z]{2,}");
    assertThat(g.matches("bxxyzz")).isTrue();
    assertThat(g.matches("aaabbbcxxyyyzzzz")).isTrue();
    assertThat(g.matches("xxyzz")).as("b+ needs one").isFalse();
    assertThat(g.matches("bxxyyyyzz")).as("y at most 3").isFalse();
    assertThat(g.matches("bxxyz")).as("z at least 2").isFalse();
    assertThat(g.matches("bccxxyzz")).as("c at most once").isFalse();
  }

  @Test
  void groupsRulesRecursionAndComments() {
    Grammar g =
        Grammar.parse(
            """
            # balanced brackets, and a list of them
            root ::= item ("," item)*
            item ::= "[" item* "]" | "x"
            """);
    assertThat(g.matches("x")).isTrue();
    assertThat(g.matches("[[x][]],x,[]")).isTrue();
    assertThat(g.matches("[[x]")).isFalse();
    assertThat(g.matches("x,")).isFalse();
  }

  @Test
  void negatedClassesAnyCharAndEscapes() {
    Grammar g = Grammar.parse("root ::= \"\\\"\" [^\"\\\\\\x00-\\x1F]* \"\\\"\" . \"\\u00e9\"");
    assertThat(g.matches("\"héllo 😀\"!é")).isTrue();
    assertThat(g.matches("\"a\"b\"!é")).isFalse();
    assertThat(g.matches("\"a\nb\"!é")).isFalse();
  }

  @Test
  void emptyAlternativesAreAllowed() {
    Grammar g = Grammar.parse("root ::= \"a\" opt\nopt ::= \"b\" | ");
    assertThat(g.matches("a")).isTrue();
    assertThat(g.matches("ab")).isTrue();
  }

  @Test
  void badGrammarsAreRefusedWithWhereAndWhat() {
    assertThatThrownBy(() -> Grammar.parse("item ::= \"x\""))
        .isInstanceOf(GrammarException.class)
        .hasMessageContaining("no 'root' rule");
    assertThatThrownBy(() -> Grammar.parse("root ::= thing"))
        .hasMessageContaining("rule 'thing' is used at line 1, column 10 but never defined");
    assertThatThrownBy(() -> Grammar.parse("root ::= \"abc"))
        .hasMessageContaining("unterminated string literal");
    assertThatThrownBy(() -> Grammar.parse("root ::= [a-")).hasMessageContaining("not closed");
    assertThatThrownBy(() -> Grammar.parse("root ::= root \"a\" | \"b\""))
        .hasMessageContaining("rule 'root' is left-recursive (root -> root)");
    assertThatThrownBy(() -> Grammar.parse("root ::= e* \"a\"\ne ::= \"\" | \"b\""))
        .as("a repeated rule that may match nothing would expand forever")
        .hasMessageContaining("left-recursive");
    assertThatThrownBy(() -> Grammar.parse("root ::= [a]{3,2}"))
        .hasMessageContaining("0 <= min <= max");
    assertThatThrownBy(() -> Grammar.parse("root ::= \"a\"\nroot ::= \"b\""))
        .hasMessageContaining("defined twice");
  }
}
