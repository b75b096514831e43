package dev.modelforge.engine.grammar;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Converts a regular expression to GBNF, so vLLM's {@code guided_regex} and JSON-schema {@code
 * pattern}s run on the grammar engine. It covers the part of regex syntax that describes a
 * language; look-arounds, backreferences and word boundaries are refused, since a context-free
 * grammar of the matched text cannot say them.
 *
 * <p>The regex must match the whole text, as with {@link Pattern#matches}; a {@code ^} at the very
 * start and a {@code $} at the very end say so again and are dropped. Lazy quantifiers match the
 * same language; possessive ones are taken as greedy. Classes follow ECMAScript (the JSON Schema
 * dialect): {@code \d} and {@code \w} are ASCII, {@code \s} is Unicode white space, and {@code .}
 * is any character but the line terminators {@code \n \r U+2028 U+2029}.
 */
public final class RegexGrammar {

  private static final Pattern RULE_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_-]*");

  /** The most repetitions one GBNF {@code {m,n}} may spell out (the parser's limit). */
  private static final int GBNF_MAX_REPEAT = 1000;

  /** Repeat counts beyond this are refused, to keep the grammar a reasonable size. */
  private static final int MAX_COUNT = 100_000;

  static final CodePoints DIGIT = CodePoints.range('0', '9');
  static final CodePoints WORD =
      DIGIT.union(CodePoints.range('a', 'z')).union(CodePoints.range('A', 'Z')).union('_');
  static final CodePoints SPACE =
      CodePoints.of(' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF)
          .union(CodePoints.range('\t', '\r'))
          .union(CodePoints.range(0x2000, 0x200A));
  static final CodePoints DOT = CodePoints.of('\n', '\r', 0x2028, 0x2029).complement();

  /** Characters a JSON string may hold unescaped. */
  static final CodePoints JSON_RAW = CodePoints.range(0, 0x1F).union('"').union('\\').complement();

  /** JSON's two-character escapes, and the letter after the backslash of each. */
  private static final String JSON_ESCAPED = "\"\\/\b\f\n\r\t";

  private static final String JSON_ESCAPE_LETTERS = "\"\\/bfnrt";

  private RegexGrammar() {}

  /**
   * A GBNF rule {@code ruleName} matching exactly the strings {@code regex} matches as a whole
   * (helper rules, if any, are prefixed {@code ruleName-}); no root rule.
   */
  public static String toGbnf(String regex, String ruleName) {
    if (ruleName == null || !RULE_NAME.matcher(ruleName).matches()) {
      throw new GrammarException(
          "rule name '" + ruleName + "' is not a GBNF name; use letters, digits, '_' and '-'");
    }
    return ruleName + " ::= " + body(regex, false) + "\n";
  }

  /** A complete grammar whose root matches exactly the strings {@code regex} matches. */
  public static String fromRegex(String regex) {
    return toGbnf(regex, "root");
  }

  /**
   * A rule body matching the inside of a JSON string literal whose decoded text matches {@code
   * regex}. Characters are spelled raw where JSON allows, else with their short escape or, for the
   * other control characters, {@code \}{@code u00XX}; {@code /} also as {@code \/}.
   */
  static String jsonStringBody(String regex) {
    return body(regex, true);
  }

  private static String body(String regex, boolean json) {
    if (regex == null) {
      throw new GrammarException("regex is missing; pass the pattern text");
    }
    String body = new Renderer(json).top(new Parser(regex).parse());
    return body.isEmpty() ? "\"\"" : body;
  }

  /** {@code item} (one GBNF item) repeated min to max times (max -1: unbounded). */
  static String repeat(String item, int min, int max) {
    if (max == 0) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    int left = min;
    for (; left > GBNF_MAX_REPEAT; left -= GBNF_MAX_REPEAT) {
      parts.add(item + "{" + GBNF_MAX_REPEAT + "}");
    }
    if (max < 0 || max - min + left <= GBNF_MAX_REPEAT) {
      parts.add(item + count(left, max < 0 ? -1 : max - min + left));
    } else {
      parts.add(left > 0 ? item + count(left, left) : "");
      parts.add(atMost(item, max - min));
    }
    return String.join(" ", parts).strip();
  }

  /**
   * Up to n copies of item, n over the GBNF limit: a full block and up to n - 1000 more, or less.
   */
  private static String atMost(String item, int n) {
    if (n <= GBNF_MAX_REPEAT) {
      return item + count(0, n);
    }
    String block = item + "{" + GBNF_MAX_REPEAT + "}";
    return "( "
        + block
        + " "
        + atMost(item, n - GBNF_MAX_REPEAT)
        + " | "
        + item
        + count(0, GBNF_MAX_REPEAT - 1)
        + " )";
  }

  private static String count(int min, int max) {
    if (max < 0) {
      return min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
    }
    if (min == max) {
      return min == 1 ? "" : "{" + min + "}";
    }
    return min == 0 && max == 1 ? "?" : "{" + min + "," + max + "}";
  }

  /** A regex as a tree; {@code Seq} of nothing is the empty string. */
  private sealed interface Node {}

  private record Chars(CodePoints set) implements Node {}

  private record Seq(List<Node> items) implements Node {}

  private record Alt(List<Node> branches) implements Node {}

  /** max -1: unbounded. */
  private record Repeat(Node node, int min, int max) implements Node {}

  private static final class Parser {
    private static final String MALFORMED_REPEAT =
        "malformed repeat; write {m}, {m,} or {m,n}, or escape '{' as \\{";

    private final String regex;
    private int pos;
    private int end;

    Parser(String regex) {
      this.regex = regex;
      this.end = regex.length();
    }

    Node parse() {
      pos = regex.startsWith("^") ? 1 : 0;
      int backslashes = 0;
      while (end - 2 - backslashes >= 0 && regex.charAt(end - 2 - backslashes) == '\\') {
        backslashes++;
      }
      if (end > pos && regex.charAt(end - 1) == '$' && backslashes % 2 == 0) {
        end--;
      }
      Node node = alternation();
      check(pos < end, pos, "')' closes no group; escape a literal one as \\)");
      return node;
    }

    private Node alternation() {
      List<Node> branches = new ArrayList<>(List.of(sequence()));
      while (pos < end && regex.charAt(pos) == '|') {
        pos++;
        branches.add(sequence());
      }
      return branches.size() == 1 ? branches.getFirst() : new Alt(branches);
    }

    private Node sequence() {
      List<Node> items = new ArrayList<>();
      while (pos < end && regex.charAt(pos) != '|' && regex.charAt(pos) != ')') {
        items.add(quantified(atom()));
      }
      return items.size() == 1 ? items.getFirst() : new Seq(items);
    }

    private Node atom() {
      int start = pos;
      int c = regex.codePointAt(pos);
      pos += Character.charCount(c);
      String s = Character.toString(c);
      check(c == '^' || c == '$', start, "anchor '%s' is only supported at the start or end", s);
      check("*+?{".indexOf(c) >= 0, start, "'%s' has nothing to repeat; escape it as \\%s", s, s);
      return switch (c) {
        case '(' -> group(start);
        case '[' -> new Chars(charClass(start));
        case '.' -> new Chars(DOT);
        case '\\' -> new Chars(escape(start));
        default -> new Chars(CodePoints.of(c));
      };
    }

    private Node group(int start) {
      if (regex.startsWith("?", pos)) {
        String kind = regex.substring(pos, Math.min(pos + 3, end));
        check(kind.matches("\\?[=!].*"), start, "lookahead '(%.2s' is not supported", kind);
        check(kind.matches("\\?<[=!]"), start, "lookbehind '(%s' is not supported", kind);
        int close = regex.indexOf('>', pos);
        if (kind.startsWith("?<")) {
          String name = close < 0 || close >= end ? "" : regex.substring(pos + 2, close);
          check(!name.matches("[a-zA-Z]\\w*"), start, "a named group needs a name: (?<name>...)");
          pos = close + 1;
        } else {
          check(!kind.startsWith("?:"), start, "inline flags or group kind '(?' are not supported");
          pos += 2;
        }
      }
      Node inner = alternation();
      check(pos >= end || regex.charAt(pos) != ')', start, "group is not closed; add ')'");
      pos++;
      return inner;
    }

    private Node quantified(Node atom) {
      char q = pos < end ? regex.charAt(pos) : 0;
      if ("*+?{".indexOf(q) < 0) {
        return atom;
      }
      int start = pos++;
      int min = q == '+' ? 1 : 0;
      int max = q == '?' ? 1 : -1;
      if (q == '{') {
        min = number(start);
        max = min;
        if (pos < end && regex.charAt(pos) == ',') {
          pos++;
          max = pos < end && regex.charAt(pos) == '}' ? -1 : number(start);
        }
        check(pos >= end || regex.charAt(pos) != '}', start, MALFORMED_REPEAT);
        check(max >= 0 && max < min, start, "repeat {%d,%d} has its bounds reversed", min, max);
        pos++;
      }
      if (pos < end && (regex.charAt(pos) == '?' || regex.charAt(pos) == '+')) {
        pos++; // lazy or possessive
      }
      if (max == 0) {
        return new Seq(List.of());
      }
      return min == 1 && max == 1 ? atom : new Repeat(atom, min, max);
    }

    private int number(int start) {
      int from = pos;
      while (pos < end && Character.isDigit(regex.charAt(pos)) && pos - from < 7) {
        pos++;
      }
      check(from == pos, start, MALFORMED_REPEAT);
      int n = Integer.parseInt(regex.substring(from, pos));
      check(n > MAX_COUNT, start, "repeat count %d is over the limit of %d", n, MAX_COUNT);
      return n;
    }

    private CodePoints charClass(int start) {
      boolean negated = pos < end && regex.charAt(pos) == '^';
      pos += negated ? 1 : 0;
      CodePoints set = CodePoints.NONE;
      for (boolean first = true; first || regex.charAt(pos) != ']'; first = false) {
        int itemStart = pos;
        CodePoints lo = classAtom(start);
        if (pos + 1 < end && regex.charAt(pos) == '-' && regex.charAt(pos + 1) != ']') {
          pos++;
          int a = lo.single();
          int b = classAtom(start).single();
          check(a < 0 || b < 0, itemStart, "a range needs one character at each end");
          check(b < a, itemStart, "range is out of order; write the smaller end first");
          lo = CodePoints.range(a, b);
        }
        set = set.union(lo);
        check(pos >= end, start, "character class is not closed; add ']'");
      }
      pos++;
      set = negated ? set.complement() : set;
      check(set.isEmpty(), start, "character class matches no character");
      return set;
    }

    private CodePoints classAtom(int classStart) {
      check(pos >= end, classStart, "character class is not closed; add ']'");
      int start = pos;
      int c = regex.codePointAt(pos);
      pos += Character.charCount(c);
      check(c == '[', start, "'[' inside a character class; escape it as \\[");
      check(c == '&' && pos < end && regex.charAt(pos) == '&', start, "'&&' is not supported");
      return c == '\\' ? escape(start) : CodePoints.of(c);
    }

    /** The escape whose backslash is at {@code start}; pos is just past the backslash. */
    private CodePoints escape(int start) {
      check(pos >= end, start, "the regex ends in a lone backslash; write \\\\ for a literal one");
      int c = regex.codePointAt(pos);
      pos += Character.charCount(c);
      String s = Character.toString(c);
      check(c == 'b' || c == 'B', start, "word boundary '\\%s' is not supported", s);
      check("AzZG".indexOf(c) >= 0, start, "anchor '\\%s' is not supported", s);
      check(c == 'k' || c >= '1' && c <= '9', start, "backreference '\\%s' is not supported", s);
      check(c == 'p' || c == 'P', start, "Unicode property '\\%s' is not supported", s);
      boolean octal = c == '0' && pos < end && Character.isDigit(regex.charAt(pos));
      check(octal, start, "octal escapes are not supported; use \\xHH");
      return switch (c) {
        case 'd' -> DIGIT;
        case 'D' -> DIGIT.complement();
        case 'w' -> WORD;
        case 'W' -> WORD.complement();
        case 's' -> SPACE;
        case 'S' -> SPACE.complement();
        case 'n' -> CodePoints.of('\n');
        case 't' -> CodePoints.of('\t');
        case 'r' -> CodePoints.of('\r');
        case 'f' -> CodePoints.of('\f');
        case 'v' -> CodePoints.of(0x0B);
        case '0' -> CodePoints.of(0);
        case 'x' -> CodePoints.of(hex(2, start));
        case 'u' -> {
          int cp = hex(4, start);
          if (Character.isHighSurrogate((char) cp) && regex.startsWith("\\u", pos)) {
            int save = pos;
            pos += 2;
            int low = hex(4, start);
            if (Character.isLowSurrogate((char) low)) {
              cp = Character.toCodePoint((char) cp, (char) low);
            } else {
              pos = save;
            }
          }
          yield CodePoints.of(cp);
        }
        default -> {
          check(Character.isLetterOrDigit(c), start, "unknown escape '\\%s'", s);
          yield CodePoints.of(c);
        }
      };
    }

    private int hex(int digits, int start) {
      boolean ok =
          pos + digits <= end && regex.substring(pos, pos + digits).matches("\\p{XDigit}+");
      check(!ok, start, "escape needs %d hex digits", digits);
      pos += digits;
      return Integer.parseInt(regex.substring(pos - digits, pos), 16);
    }

    private void check(boolean refused, int index, String what, Object... args) {
      if (refused) {
        throw new GrammarException(
            "regex '" + regex + "' at index " + index + ": " + what.formatted(args));
      }
    }
  }

  private static boolean nullable(Node node) {
    return switch (node) {
      case Chars c -> false;
      case Seq s -> s.items().stream().allMatch(RegexGrammar::nullable);
      case Alt a -> a.branches().stream().anyMatch(RegexGrammar::nullable);
      case Repeat r -> r.min() == 0 || nullable(r.node());
    };
  }

  /**
   * The node's language without the empty string, or null when that leaves nothing. Repeating a
   * node that can match nothing would let the matcher loop, so repeats use this instead.
   */
  private static Node nonEmpty(Node node) {
    if (!nullable(node)) {
      return node;
    }
    List<Node> branches = new ArrayList<>();
    switch (node) {
      case Seq s -> { // every item can be empty: the first non-empty one is item i, then any
        for (int i = 0; i < s.items().size(); i++) {
          Node first = nonEmpty(s.items().get(i));
          if (first != null) {
            List<Node> seq = new ArrayList<>(s.items().subList(i, s.items().size()));
            seq.set(0, first);
            branches.add(seq.size() == 1 ? first : new Seq(seq));
          }
        }
      }
      case Alt a -> a.branches().stream().map(RegexGrammar::nonEmpty).forEach(branches::add);
      case Repeat r -> {
        Node inner = nonEmpty(r.node());
        branches.add(inner == null ? null : new Repeat(inner, 1, r.max()));
      }
      case Chars c -> branches.add(c);
    }
    branches.removeIf(b -> b == null);
    return branches.isEmpty()
        ? null
        : branches.size() == 1 ? branches.getFirst() : new Alt(branches);
  }

  /** Writes a tree as GBNF, over raw text or over the spelling inside a JSON string. */
  private record Renderer(boolean json) {

    String top(Node node) {
      if (node instanceof Alt alt && alt.branches().stream().noneMatch(b -> seq(b).isEmpty())) {
        return String.join(" | ", alt.branches().stream().map(this::seq).toList());
      }
      return seq(node);
    }

    /** The node as a sequence of items ("" for the empty string), literal characters merged. */
    private String seq(Node node) {
      if (!(node instanceof Seq s)) {
        return item(node);
      }
      List<String> out = new ArrayList<>();
      StringBuilder literal = new StringBuilder();
      for (Node n : s.items()) {
        int cp = n instanceof Chars c ? c.set().single() : -1;
        if (cp >= 0 && (!json || JSON_RAW.contains(cp) && cp != '/')) {
          literal.appendCodePoint(cp);
          continue;
        }
        if (!literal.isEmpty()) {
          out.add(Gbnf.literal(literal.toString()));
          literal.setLength(0);
        }
        out.add(item(n));
      }
      out.add(literal.isEmpty() ? "" : Gbnf.literal(literal.toString()));
      out.removeIf(String::isEmpty);
      return String.join(" ", out);
    }

    /** The node as one GBNF item, safe to follow by a postfix operator ("" for empty). */
    private String item(Node node) {
      return switch (node) {
        case Chars c -> chars(c.set());
        case Seq s -> group(seq(s));
        case Alt a -> {
          List<String> branches = a.branches().stream().map(this::seq).distinct().toList();
          String body = String.join(" | ", branches.stream().filter(b -> !b.isEmpty()).toList());
          yield body.isEmpty() ? "" : "( " + body + " )" + (branches.contains("") ? "?" : "");
        }
        case Repeat r -> {
          boolean nullable = nullable(r.node());
          Node inner = nullable ? nonEmpty(r.node()) : r.node();
          String unit = inner == null ? "" : item(inner);
          yield unit.isEmpty() ? "" : group(repeat(unit, nullable ? 0 : r.min(), r.max()));
        }
      };
    }

    private static String group(String items) {
      return items.contains(" ") ? "( " + items + " )" : items;
    }

    private String chars(CodePoints set) {
      if (!json) {
        return set.single() >= 0 ? Gbnf.literal(Character.toString(set.single())) : set.gbnf();
      }
      List<String> parts = new ArrayList<>();
      CodePoints raw = set.intersect(JSON_RAW);
      if (!raw.isEmpty()) {
        parts.add(raw.single() >= 0 ? Gbnf.literal(Character.toString(raw.single())) : raw.gbnf());
      }
      for (int i = 0; i < JSON_ESCAPED.length(); i++) {
        if (set.contains(JSON_ESCAPED.charAt(i))) {
          parts.add(Gbnf.literal("\\" + JSON_ESCAPE_LETTERS.charAt(i)));
        }
      }
      for (int high = 0; high < 2; high++) { // the \\u00XX spelling of control characters
        CodePoints lows = CodePoints.NONE;
        for (int low = 0; low < 16; low++) {
          if (set.contains(high * 16 + low)) {
            String digit = Integer.toHexString(low);
            lows = lows.union(digit.charAt(0)).union(digit.toUpperCase().charAt(0));
          }
        }
        if (!lows.isEmpty()) {
          parts.add("( \"\\\\u00" + high + "\" " + lows.gbnf() + " )");
        }
      }
      return parts.size() == 1 ? parts.getFirst() : "( " + String.join(" | ", parts) + " )";
    }
  }

  /** A set of code points, with the set algebra classes need and a GBNF spelling. */
  static final class CodePoints {
    static final int LIMIT = 0x110000;
    static final CodePoints NONE = new CodePoints(new BitSet());

    private final BitSet bits;

    private CodePoints(BitSet bits) {
      this.bits = bits;
    }

    static CodePoints range(int lo, int hi) {
      BitSet bits = new BitSet();
      bits.set(lo, hi + 1);
      return new CodePoints(bits);
    }

    static CodePoints of(int... codePoints) {
      BitSet bits = new BitSet();
      for (int cp : codePoints) {
        bits.set(cp);
      }
      return new CodePoints(bits);
    }

    CodePoints union(int cp) {
      return union(of(cp));
    }

    CodePoints union(CodePoints other) {
      BitSet bits = (BitSet) this.bits.clone();
      bits.or(other.bits);
      return new CodePoints(bits);
    }

    CodePoints complement() {
      BitSet bits = (BitSet) this.bits.clone();
      bits.flip(0, LIMIT);
      return new CodePoints(bits);
    }

    CodePoints intersect(CodePoints other) {
      BitSet bits = (BitSet) this.bits.clone();
      bits.and(other.bits);
      return new CodePoints(bits);
    }

    CodePoints minus(CodePoints other) {
      BitSet bits = (BitSet) this.bits.clone();
      bits.andNot(other.bits);
      return new CodePoints(bits);
    }

    boolean contains(int cp) {
      return bits.get(cp);
    }

    boolean isEmpty() {
      return bits.isEmpty();
    }

    /** The one code point in the set, or -1 when it has none or several. */
    int single() {
      int first = bits.nextSetBit(0);
      return first >= 0 && bits.nextSetBit(first + 1) < 0 ? first : -1;
    }

    /** A GBNF class, negated where that takes fewer ranges. */
    String gbnf() {
      BitSet complement = complement().bits;
      boolean negate = runs(complement) < runs(bits);
      BitSet b = negate ? complement : bits;
      StringBuilder sb = new StringBuilder(negate ? "[^" : "[");
      for (int lo = b.nextSetBit(0); lo >= 0; lo = b.nextSetBit(lo + 1)) {
        int hi = b.nextClearBit(lo) - 1;
        appendClassChar(sb, lo);
        sb.append(hi > lo + 1 ? "-" : "");
        if (hi > lo) {
          appendClassChar(sb, hi);
        }
        lo = hi;
      }
      return sb.append(']').toString();
    }

    private static int runs(BitSet b) {
      int n = 0;
      for (int lo = b.nextSetBit(0); lo >= 0; lo = b.nextSetBit(b.nextClearBit(lo))) {
        n++;
      }
      return n;
    }

    private static void appendClassChar(StringBuilder sb, int cp) {
      switch (cp) {
        case '\\', ']', '[', '-', '^', '"' -> sb.append('\\').append((char) cp);
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (cp < 0x20 || cp == 0x7F) {
            sb.append("\\x%02X".formatted(cp));
          } else if (cp < 0x7F) {
            sb.append((char) cp);
          } else {
            sb.append(cp <= 0xFFFF ? "\\u%04X".formatted(cp) : "\\U%08X".formatted(cp));
          }
        }
      }
    }
  }
}
