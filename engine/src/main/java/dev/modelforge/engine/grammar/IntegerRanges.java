package dev.modelforge.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Integer bounds of a JSON schema ({@code minimum}, {@code maximum} and the exclusive ones) as a
 * grammar: the numbers in a range spelled digit by digit, length by length, with no leading zeros.
 */
final class IntegerRanges {

  private IntegerRanges() {}

  /**
   * The tightest integer bound the inclusive and exclusive keywords give: the least allowed integer
   * when {@code toward} is CEILING, the greatest when FLOOR; null when neither is there. A boolean
   * exclusive keyword is draft 4's, making the inclusive one exclusive.
   */
  static BigDecimal bound(
      JsonNode schema, String path, String inclusive, String exclusive, RoundingMode toward) {
    JsonNode in = schema.get(inclusive);
    JsonNode ex = schema.get(exclusive);
    JsonSchemaGrammar.check(
        in != null && !in.isNumber(), path, "'%s' must be a number, not %s", inclusive, in);
    boolean bad = ex != null && !ex.isNumber() && !ex.isBoolean();
    JsonSchemaGrammar.check(bad, path, "'%s' must be a number, not %s", exclusive, ex);
    RoundingMode away = toward == RoundingMode.CEILING ? RoundingMode.FLOOR : RoundingMode.CEILING;
    BigDecimal step = toward == RoundingMode.CEILING ? BigDecimal.ONE : BigDecimal.ONE.negate();
    BigDecimal best = null;
    if (in != null) {
      boolean draft4 = ex != null && ex.isBoolean() && ex.booleanValue();
      BigDecimal v = in.decimalValue();
      best = draft4 ? v.setScale(0, away).add(step) : v.setScale(0, toward);
    }
    if (ex != null && ex.isNumber()) {
      BigDecimal b = ex.decimalValue().setScale(0, away).add(step);
      best = best == null ? b : toward == RoundingMode.CEILING ? best.max(b) : best.min(b);
    }
    return best;
  }

  /** Integers in [lo, hi], written without leading zeros (and 0 also as -0). */
  static String gbnf(long lo, long hi) {
    List<String> alternatives = new ArrayList<>();
    if (lo <= 0 && hi >= 0) {
      alternatives.add("\"-\"? \"0\"");
    }
    if (lo < 0) {
      alternatives.add("\"-\" " + positive(hi < 0 ? -hi : 1, -lo));
    }
    if (hi > 0) {
      alternatives.add(positive(Math.max(1, lo), hi));
    }
    return String.join(" | ", alternatives);
  }

  /** Integers in [a, b] with 1 <= a <= b, as one item. */
  private static String positive(long a, long b) {
    List<String> parts = new ArrayList<>();
    for (int len = Long.toString(a).length(); len <= Long.toString(b).length(); len++) {
      long low = Math.max(a, (long) Math.pow(10, len - 1));
      long high = Math.min(b, (long) Math.pow(10, len) - 1);
      parts.add(sameLength(Long.toString(low), Long.toString(high)));
    }
    return "( " + String.join(" | ", parts) + " )";
  }

  /** Digit strings of one length from lo to hi, as a sequence. */
  private static String sameLength(String lo, String hi) {
    if (lo.isEmpty()) {
      return "";
    }
    char x = lo.charAt(0);
    char y = hi.charAt(0);
    String loRest = lo.substring(1);
    String hiRest = hi.substring(1);
    String any = RegexGrammar.repeat("[0-9]", loRest.length(), loRest.length());
    if (loRest.matches("0*") && hiRest.matches("9*")) {
      return JsonSchemaGrammar.join(x == y ? Gbnf.literal("" + x) : "[" + x + "-" + y + "]", any);
    }
    if (x == y) {
      return JsonSchemaGrammar.join(Gbnf.literal("" + x), sameLength(loRest, hiRest));
    }
    List<String> alternatives = new ArrayList<>();
    alternatives.add(
        JsonSchemaGrammar.join(
            Gbnf.literal("" + x), sameLength(loRest, "9".repeat(loRest.length()))));
    if (y - x > 1) {
      alternatives.add(
          JsonSchemaGrammar.join("[" + (char) (x + 1) + "-" + (char) (y - 1) + "]", any));
    }
    alternatives.add(
        JsonSchemaGrammar.join(
            Gbnf.literal("" + y), sameLength("0".repeat(loRest.length()), hiRest)));
    return "( " + String.join(" | ", alternatives) + " )";
  }
}
