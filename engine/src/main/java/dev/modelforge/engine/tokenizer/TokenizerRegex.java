package dev.modelforge.engine.tokenizer;

import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regular expressions of tokenizer.json, written for Oniguruma (the engine of the
 * Hugging Face tokenizers library), into java.util.regex patterns that match the same text.
 *
 * <p>The differences that matter for real tokenizers: Oniguruma's {@code \s}, {@code \d} and {@code
 * \w} are Unicode-aware while Java's are ASCII-only, yet {@code (?i:'s|'t)} must stay ASCII-only
 * case-insensitive, so the Unicode flags of java.util.regex cannot be used and the escapes are
 * rewritten instead; {@code \h} is a hex digit, not horizontal space; scripts are written {@code
 * \p{Han}} rather than {@code \p{IsHan}}; a '{' that starts no repetition is a literal; '.'
 * excludes only '\n'.
 */
final class TokenizerRegex {

  private static final String WHITE_SPACE = "\\p{IsWhite_Space}";
  private static final String NOT_WHITE_SPACE = "\\P{IsWhite_Space}";
  private static final String WORD_CHARS = "\\p{IsAlphabetic}\\p{M}\\p{Nd}\\p{Pc}";
  private static final String HEX_DIGITS = "0-9A-Fa-f";
  private static final Pattern GENERAL_CATEGORY = Pattern.compile("[LMNPSZC][a-z&]?");
  private static final Pattern REPETITION = Pattern.compile("\\{(\\d+(,\\d*)?|,\\d+)}");
  private static final Map<String, String> POSIX_CLASSES =
      Map.ofEntries(
          Map.entry("alpha", "\\p{IsAlphabetic}"),
          Map.entry("alnum", "\\p{IsAlphabetic}\\p{Nd}"),
          Map.entry("digit", "\\p{Nd}"),
          Map.entry("lower", "\\p{IsLowercase}"),
          Map.entry("upper", "\\p{IsUppercase}"),
          Map.entry("space", WHITE_SPACE),
          Map.entry("blank", "\\t\\p{Zs}"),
          Map.entry("punct", "\\p{P}\\p{S}"),
          Map.entry("cntrl", "\\p{Cc}"),
          Map.entry("word", WORD_CHARS),
          Map.entry("xdigit", HEX_DIGITS));

  private TokenizerRegex() {}

  /** The Java pattern for an Oniguruma pattern; a TokenizerException when there is none. */
  static Pattern compile(String oniguruma) {
    String java = translate(oniguruma);
    try {
      return Pattern.compile(java, Pattern.UNIX_LINES);
    } catch (PatternSyntaxException e) {
      throw new TokenizerException(
          "the regex "
              + quoted(oniguruma)
              + " has no java.util.regex equivalent ("
              + e.getDescription()
              + " in "
              + quoted(java)
              + ")");
    }
  }

  static String translate(String pattern) {
    StringBuilder out = new StringBuilder(pattern.length() + 32);
    int classDepth = 0;
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c == '\\' && i + 1 < pattern.length()) {
        i = translateEscape(pattern, i, classDepth > 0, out);
      } else if (c == '[' && classDepth > 0 && pattern.startsWith("[:", i)) {
        int end = pattern.indexOf(":]", i + 2);
        String name = end < 0 ? null : pattern.substring(i + 2, end);
        boolean negated = name != null && name.startsWith("^");
        String set = name == null ? null : POSIX_CLASSES.get(negated ? name.substring(1) : name);
        if (set == null) {
          throw new TokenizerException(
              "the regex " + quoted(pattern) + " uses an unknown POSIX class at index " + i);
        }
        out.append(negated ? "[^" + set + "]" : set);
        i = end + 2;
      } else if (c == '[') {
        classDepth++;
        out.append('[');
        i++;
        if (i < pattern.length() && pattern.charAt(i) == '^') {
          out.append('^');
          i++;
        }
        // Oniguruma reads a ']' right after '[' or '[^' as a literal; Java would close the class.
        if (i < pattern.length() && pattern.charAt(i) == ']') {
          out.append("\\]");
          i++;
        }
      } else if (c == ']' && classDepth > 0) {
        classDepth--;
        out.append(']');
        i++;
      } else if (c == '{' && classDepth == 0) {
        var repetition = REPETITION.matcher(pattern).region(i, pattern.length());
        if (repetition.lookingAt()) {
          String bounds = repetition.group(1);
          out.append('{').append(bounds.startsWith(",") ? "0" + bounds : bounds).append('}');
          i = repetition.end();
        } else {
          out.append("\\{");
          i++;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Appends the Java form of the escape at {@code start}; returns the index after it. */
  private static int translateEscape(
      String pattern, int start, boolean inClass, StringBuilder out) {
    char escaped = pattern.charAt(start + 1);
    switch (escaped) {
      case 's' -> out.append(WHITE_SPACE);
      case 'S' -> out.append(NOT_WHITE_SPACE);
      case 'd' -> out.append("\\p{Nd}");
      case 'D' -> out.append("\\P{Nd}");
      case 'w' -> out.append(inClass ? WORD_CHARS : "[" + WORD_CHARS + "]");
      case 'W' -> out.append("[^" + WORD_CHARS + "]");
      case 'h' -> out.append(inClass ? HEX_DIGITS : "[" + HEX_DIGITS + "]");
      case 'H' -> out.append("[^" + HEX_DIGITS + "]");
      case 'p', 'P' -> {
        int close = pattern.indexOf('}', start);
        if (start + 2 < pattern.length() && pattern.charAt(start + 2) == '{' && close > 0) {
          out.append(property(escaped, pattern.substring(start + 3, close)));
          return close + 1;
        }
        out.append('\\').append(escaped);
      }
      default -> out.append('\\').append(escaped);
    }
    return start + 2;
  }

  private static String property(char kind, String name) {
    boolean negated = kind == 'P';
    if (name.startsWith("^")) {
      negated = !negated;
      name = name.substring(1);
    }
    String positive;
    if (GENERAL_CATEGORY.matcher(name).matches()) {
      positive = "\\p{" + name + "}";
    } else if (POSIX_CLASSES.containsKey(name.toLowerCase(java.util.Locale.ROOT))) {
      positive = "[" + POSIX_CLASSES.get(name.toLowerCase(java.util.Locale.ROOT)) + "]";
    } else {
      // Scripts (Han, Latin, ...) and binary properties (White_Space, ...) take 'Is' in Java.
      positive = "\\p{Is" + name + "}";
    }
    if (!negated) {
      return positive;
    }
    return positive.startsWith("[") ? "[^" + positive.substring(1) : "\\P" + positive.substring(2);
  }

  private static String quoted(String text) {
    return '"' + text + '"';
  }
}
