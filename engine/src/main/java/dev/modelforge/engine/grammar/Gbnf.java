package dev.modelforge.engine.grammar;

import java.util.List;

/** Writing GBNF text: quoted literals, and a grammar whose output is one of given strings. */
public final class Gbnf {

  private Gbnf() {}

  /** {@code text} as a GBNF string literal, quotes included. */
  public static String literal(String text) {
    StringBuilder sb = new StringBuilder("\"");
    text.codePoints()
        .forEach(
            cp -> {
              switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                  if (cp < 0x20) {
                    sb.append(String.format("\\x%02X", cp));
                  } else {
                    sb.appendCodePoint(cp);
                  }
                }
              }
            });
    return sb.append('"').toString();
  }

  /** A grammar whose sentences are exactly {@code choices} (vLLM's guided_choice). */
  public static String choice(List<String> choices) {
    if (choices.isEmpty()) {
      throw new GrammarException("a choice needs at least one string");
    }
    StringBuilder sb = new StringBuilder("root ::= ");
    for (int i = 0; i < choices.size(); i++) {
      if (choices.get(i).isEmpty()) {
        throw new GrammarException("choice " + i + " is empty; every choice must have text");
      }
      sb.append(i == 0 ? "" : " | ").append(literal(choices.get(i)));
    }
    return sb.append('\n').toString();
  }
}
