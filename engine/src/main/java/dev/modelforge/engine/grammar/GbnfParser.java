package dev.modelforge.engine.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads llama.cpp's GBNF: {@code name ::= alternatives}, string literals, character classes, {@code
 * .}, rule references, groups and the postfix operators {@code * + ? {m} {m,} {m,n}}. Groups and
 * repetitions become anonymous right-recursive rules, so the matcher only ever sees rules whose
 * alternatives are sequences of character classes and rule references.
 */
final class GbnfParser {

  /** One element of an alternative: a character class or a reference to a rule. */
  sealed interface Item {
    record Chars(CharSet set) implements Item {}

    record Ref(int rule) implements Item {}
  }

  /** Most repetitions a {@code {m,n}} may spell out; beyond it the grammar is refused. */
  private static final int MAX_REPEAT = 1000;

  private final String src;
  private int pos;
  final List<String> names = new ArrayList<>();
  final List<List<List<Item>>> rules = new ArrayList<>();
  private final List<Boolean> defined = new ArrayList<>();
  private final Map<String, Integer> ids = new HashMap<>();
  private final Map<Integer, Integer> firstUse = new HashMap<>();

  private GbnfParser(String src) {
    this.src = src;
  }

  static GbnfParser parse(String gbnf) {
    GbnfParser p = new GbnfParser(gbnf);
    p.parseRules();
    return p;
  }

  private void parseRules() {
    skipSpace();
    if (pos >= src.length()) {
      throw new GrammarException("the grammar is empty; it needs at least a 'root ::= ...' rule");
    }
    while (pos < src.length()) {
      int at = pos;
      String name = identifier();
      if (name == null) {
        throw error("expected a rule name");
      }
      skipSpace();
      if (!src.startsWith("::=", pos)) {
        throw error("expected '::=' after rule name '" + name + "'");
      }
      pos += 3;
      int id = ruleId(name, at);
      if (defined.get(id)) {
        throw new GrammarException("rule '" + name + "' is defined twice (at " + where(at) + ")");
      }
      defined.set(id, true);
      rules.set(id, alternatives(name));
      skipSpace();
    }
    for (int id = 0; id < names.size(); id++) {
      if (!defined.get(id)) {
        throw new GrammarException(
            "rule '"
                + names.get(id)
                + "' is used at "
                + where(firstUse.getOrDefault(id, 0))
                + " but never defined");
      }
    }
    if (!ids.containsKey("root")) {
      throw new GrammarException("the grammar has no 'root' rule, where matching starts");
    }
  }

  private List<List<Item>> alternatives(String owner) {
    List<List<Item>> alts = new ArrayList<>();
    alts.add(sequence(owner));
    while (pos < src.length() && src.charAt(pos) == '|') {
      pos++;
      alts.add(sequence(owner));
    }
    return alts;
  }

  private List<Item> sequence(String owner) {
    List<Item> items = new ArrayList<>();
    while (true) {
      skipSpace();
      if (pos >= src.length() || src.charAt(pos) == '|' || src.charAt(pos) == ')') {
        return items;
      }
      if (atRuleStart()) {
        return items;
      }
      List<Item> primary = primary(owner);
      items.addAll(postfix(owner, primary));
    }
  }

  private List<Item> primary(String owner) {
    char c = src.charAt(pos);
    if (c == '"') {
      pos++;
      List<Item> items = new ArrayList<>();
      while (true) {
        if (pos >= src.length()) {
          throw error("unterminated string literal");
        }
        if (src.charAt(pos) == '"') {
          pos++;
          return items;
        }
        items.add(new Item.Chars(CharSet.of(codePoint())));
      }
    }
    if (c == '[') {
      return List.of(new Item.Chars(charClass()));
    }
    if (c == '.') {
      pos++;
      return List.of(new Item.Chars(CharSet.ANY));
    }
    if (c == '(') {
      int at = pos;
      pos++;
      int id = anonymous(owner);
      rules.set(id, alternatives(owner));
      if (pos >= src.length() || src.charAt(pos) != ')') {
        throw new GrammarException("the group opened at " + where(at) + " is not closed");
      }
      pos++;
      return List.of(new Item.Ref(id));
    }
    int at = pos;
    String name = identifier();
    if (name == null) {
      throw error("unexpected '" + c + "'");
    }
    return List.of(new Item.Ref(ruleId(name, at)));
  }

  private List<Item> postfix(String owner, List<Item> primary) {
    List<Item> result = primary;
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '*') {
        pos++;
        result = repeat(owner, result, 0, -1);
      } else if (c == '+') {
        pos++;
        result = repeat(owner, result, 1, -1);
      } else if (c == '?') {
        pos++;
        result = repeat(owner, result, 0, 1);
      } else if (c == '{') {
        int at = pos;
        pos++;
        int min = number();
        int max = min;
        if (pos < src.length() && src.charAt(pos) == ',') {
          pos++;
          skipSpace();
          max = pos < src.length() && src.charAt(pos) == '}' ? -1 : number();
        }
        skipSpace();
        if (pos >= src.length() || src.charAt(pos) != '}') {
          throw new GrammarException("the repetition at " + where(at) + " is not closed by '}'");
        }
        pos++;
        if (max != -1 && max < min || Math.max(min, max) > MAX_REPEAT) {
          throw new GrammarException(
              "the repetition at "
                  + where(at)
                  + " must have 0 <= min <= max <= "
                  + MAX_REPEAT
                  + ", got {"
                  + min
                  + ","
                  + (max == -1 ? "" : max)
                  + "}");
        }
        result = repeat(owner, result, min, max);
      } else {
        return result;
      }
    }
    return result;
  }

  /** {@code items} repeated min to max times (max -1: unbounded), as right-recursive rules. */
  private List<Item> repeat(String owner, List<Item> items, int min, int max) {
    List<Item> unit = items;
    if (items.size() > 1) {
      int id = anonymous(owner);
      rules.set(id, List.of(items));
      unit = List.of(new Item.Ref(id));
    }
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < min; i++) {
      out.addAll(unit);
    }
    if (max == -1) {
      // star ::= unit star | ""
      int star = anonymous(owner);
      List<Item> again = new ArrayList<>(unit);
      again.add(new Item.Ref(star));
      rules.set(star, List.of(again, List.of()));
      out.add(new Item.Ref(star));
    } else if (max > min) {
      // opt_k ::= unit opt_(k-1) | "", nested so "at most max - min more" stays linear in size
      List<Item> tail = List.of();
      for (int k = 0; k < max - min; k++) {
        int opt = anonymous(owner);
        List<Item> alt = new ArrayList<>(unit);
        alt.addAll(tail);
        rules.set(opt, List.of(alt, List.of()));
        tail = List.of(new Item.Ref(opt));
      }
      out.addAll(tail);
    }
    return out;
  }

  private CharSet charClass() {
    int at = pos;
    pos++; // [
    boolean negated = pos < src.length() && src.charAt(pos) == '^';
    if (negated) {
      pos++;
    }
    List<int[]> ranges = new ArrayList<>();
    while (true) {
      if (pos >= src.length()) {
        throw new GrammarException("the character class opened at " + where(at) + " is not closed");
      }
      if (src.charAt(pos) == ']') {
        pos++;
        break;
      }
      int lo = codePoint();
      int hi = lo;
      if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
        pos++;
        hi = codePoint();
        if (hi < lo) {
          throw error("the range in the character class is reversed");
        }
      }
      ranges.add(new int[] {lo, hi});
    }
    return CharSet.of(ranges, negated);
  }

  /** One code point of a literal or class, reading its escape if it has one. */
  private int codePoint() {
    int c = src.codePointAt(pos);
    if (c != '\\') {
      pos += Character.charCount(c);
      return c;
    }
    if (pos + 1 >= src.length()) {
      throw error("a backslash ends the grammar");
    }
    char e = src.charAt(pos + 1);
    pos += 2;
    return switch (e) {
      case 'n' -> '\n';
      case 't' -> '\t';
      case 'r' -> '\r';
      case 'x' -> hex(2);
      case 'u' -> hex(4);
      case 'U' -> hex(8);
      case '\\', '"', '\'', '[', ']', '-', '^', '/', '.', '(', ')', '|', '*', '+', '?', '{', '}' ->
          e;
      default -> throw error("unknown escape '\\" + e + "'");
    };
  }

  private int hex(int digits) {
    if (pos + digits > src.length()) {
      throw error("expected " + digits + " hex digits");
    }
    int v;
    try {
      v = Integer.parseInt(src.substring(pos, pos + digits), 16);
    } catch (NumberFormatException e) {
      throw error("expected " + digits + " hex digits");
    }
    if (v > CharSet.MAX) {
      throw error("code point " + Integer.toHexString(v) + " is beyond U+10FFFF");
    }
    pos += digits;
    return v;
  }

  private int number() {
    skipSpace();
    int start = pos;
    while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
      pos++;
    }
    if (start == pos || pos - start > 6) {
      throw error("expected a repetition count");
    }
    int v = Integer.parseInt(src.substring(start, pos));
    skipSpace();
    return v;
  }

  private boolean atRuleStart() {
    int save = pos;
    String name = identifier();
    if (name == null) {
      return false;
    }
    skipSpace();
    boolean rule = src.startsWith("::=", pos);
    pos = save;
    return rule;
  }

  private String identifier() {
    int start = pos;
    if (pos < src.length() && (Character.isLetter(src.charAt(pos)) || src.charAt(pos) == '_')) {
      pos++;
      while (pos < src.length()) {
        char c = src.charAt(pos);
        if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
          break;
        }
        pos++;
      }
    }
    return start == pos ? null : src.substring(start, pos);
  }

  private void skipSpace() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '#') {
        while (pos < src.length() && src.charAt(pos) != '\n') {
          pos++;
        }
      } else if (Character.isWhitespace(c)) {
        pos++;
      } else {
        return;
      }
    }
  }

  private int ruleId(String name, int at) {
    Integer id = ids.get(name);
    if (id == null) {
      id = names.size();
      ids.put(name, id);
      names.add(name);
      rules.add(null);
      defined.add(false);
      firstUse.put(id, at);
    }
    return id;
  }

  private int anonymous(String owner) {
    int id = names.size();
    names.add(owner + "-" + id);
    rules.add(List.of());
    defined.add(true);
    return id;
  }

  int root() {
    return ids.get("root");
  }

  private GrammarException error(String what) {
    return new GrammarException("grammar: " + what + " at " + where(pos));
  }

  private String where(int at) {
    int line = 1;
    int col = 1;
    for (int i = 0; i < at && i < src.length(); i++) {
      if (src.charAt(i) == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return "line " + line + ", column " + col;
  }
}
