package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * tokenizer.json's {@code pre_tokenizer}: splits normalized text into the words that BPE merges
 * within, never across. The variants are the ones the supported families use, kept together as the
 * catalog of what is supported; the splitting rules follow the Rust tokenizers library.
 */
sealed interface PreTokenizer {

  /**
   * A piece of text on its way to the model. {@code atTextStart} says whether it begins at offset 0
   * of the input, which Metaspace's "first" scheme needs.
   */
  record Piece(String text, boolean atTextStart) {}

  /** Splits one piece into words, appending them to {@code out}. */
  void split(Piece piece, List<Piece> out);

  /** How matches of a Split pattern become pieces. */
  enum Behavior {
    REMOVED,
    ISOLATED,
    MERGED_WITH_PREVIOUS,
    MERGED_WITH_NEXT,
    CONTIGUOUS;

    static Behavior fromJson(String name, String path) {
      return switch (name) {
        case "Removed" -> REMOVED;
        case "Isolated" -> ISOLATED;
        case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
        case "MergedWithNext" -> MERGED_WITH_NEXT;
        case "Contiguous" -> CONTIGUOUS;
        default ->
            throw new TokenizerException(
                path
                    + ".behavior is \""
                    + name
                    + "\"; expected Removed, Isolated, "
                    + "MergedWithPrevious, MergedWithNext or Contiguous");
      };
    }
  }

  /** Splits on a pattern's matches (or, inverted, on what lies between them). */
  record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
    @Override
    public void split(Piece piece, List<Piece> out) {
      splitOnMatches(piece, pattern, behavior, invert, out);
    }
  }

  /**
   * Byte-level BPE: optionally splits with GPT-2's own regex, then writes each word's UTF-8 bytes
   * as the printable characters of {@link ByteLevelAlphabet}.
   */
  record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
    static final Pattern GPT2_WORDS =
        TokenizerRegex.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    @Override
    public void split(Piece piece, List<Piece> out) {
      String text = piece.text();
      if (addPrefixSpace && !text.startsWith(" ")) {
        text = " " + text;
      }
      if (!useRegex) {
        out.add(new Piece(ByteLevelAlphabet.encode(text), piece.atTextStart()));
        return;
      }
      List<Piece> words = new ArrayList<>();
      splitOnMatches(
          new Piece(text, piece.atTextStart()), GPT2_WORDS, Behavior.ISOLATED, false, words);
      for (Piece word : words) {
        out.add(new Piece(ByteLevelAlphabet.encode(word.text()), word.atTextStart()));
      }
    }
  }

  /** SentencePiece's word boundary: spaces become '▁', which then starts each word. */
  record Metaspace(String replacement, PrependScheme prependScheme, boolean splitWords)
      implements PreTokenizer {

    enum PrependScheme {
      ALWAYS,
      FIRST,
      NEVER
    }

    @Override
    public void split(Piece piece, List<Piece> out) {
      String text = piece.text().replace(" ", replacement);
      boolean prepend =
          switch (prependScheme) {
            case ALWAYS -> true;
            case FIRST -> piece.atTextStart();
            case NEVER -> false;
          };
      if (prepend && !text.startsWith(replacement)) {
        text = replacement + text;
      }
      Piece replaced = new Piece(text, piece.atTextStart());
      if (splitWords) {
        splitOnMatches(
            replaced,
            Pattern.compile(Pattern.quote(replacement)),
            Behavior.MERGED_WITH_NEXT,
            false,
            out);
      } else {
        out.add(replaced);
      }
    }
  }

  record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
    @Override
    public void split(Piece piece, List<Piece> out) {
      List<Piece> pieces = List.of(piece);
      for (PreTokenizer step : steps) {
        List<Piece> next = new ArrayList<>();
        for (Piece p : pieces) {
          step.split(p, next);
        }
        pieces = next;
      }
      out.addAll(pieces);
    }
  }

  /**
   * The splitting rule of the reference: the text is cut into alternating non-matches and matches,
   * the behavior decides which of them are kept and which are glued together, and empty pieces are
   * dropped.
   */
  private static void splitOnMatches(
      Piece piece, Pattern pattern, Behavior behavior, boolean invert, List<Piece> out) {
    String text = piece.text();
    if (text.isEmpty()) {
      return;
    }
    // Spans as [start, end, isMatch] triples, flattened.
    List<int[]> spans = new ArrayList<>();
    Matcher matcher = pattern.matcher(text);
    int previousEnd = 0;
    while (matcher.find()) {
      if (matcher.start() != previousEnd) {
        spans.add(new int[] {previousEnd, matcher.start(), invert ? 1 : 0});
      }
      spans.add(new int[] {matcher.start(), matcher.end(), invert ? 0 : 1});
      previousEnd = matcher.end();
    }
    if (previousEnd != text.length()) {
      spans.add(new int[] {previousEnd, text.length(), invert ? 1 : 0});
    }
    List<int[]> kept = new ArrayList<>();
    switch (behavior) {
      case REMOVED -> {
        for (int[] span : spans) {
          if (span[2] == 0) {
            kept.add(span);
          }
        }
      }
      case ISOLATED -> kept.addAll(spans);
      case MERGED_WITH_PREVIOUS -> {
        boolean previousMatch = false;
        for (int[] span : spans) {
          boolean match = span[2] == 1;
          if (match && !previousMatch && !kept.isEmpty()) {
            kept.getLast()[1] = span[1];
          } else {
            kept.add(span);
          }
          previousMatch = match;
        }
      }
      case MERGED_WITH_NEXT -> {
        boolean nextMatch = false;
        List<int[]> reversed = new ArrayList<>();
        for (int[] span : spans.reversed()) {
          boolean match = span[2] == 1;
          if (match && !nextMatch && !reversed.isEmpty()) {
            reversed.getLast()[0] = span[0];
          } else {
            reversed.add(span);
          }
          nextMatch = match;
        }
        kept.addAll(reversed.reversed());
      }
      case CONTIGUOUS -> {
        boolean previousMatch = false;
        for (int i = 0; i < spans.size(); i++) {
          int[] span = spans.get(i);
          boolean match = span[2] == 1;
          if (i > 0 && match == previousMatch) {
            kept.getLast()[1] = span[1];
          } else {
            kept.add(span);
          }
          previousMatch = match;
        }
      }
    }
    for (int[] span : kept) {
      if (span[1] > span[0]) {
        out.add(new Piece(text.substring(span[0], span[1]), piece.atTextStart() && span[0] == 0));
      }
    }
  }

  /** The pre-tokenizer described by a tokenizer.json node; null when the node is null. */
  static PreTokenizer fromJson(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = JsonFields.text(node, "type", path);
    return switch (type) {
      case "Split" ->
          new Split(
              JsonFields.pattern(node.get("pattern"), path + ".pattern"),
              Behavior.fromJson(JsonFields.text(node, "behavior", path), path),
              JsonFields.flag(node, "invert", false, path));
      case "ByteLevel" ->
          new ByteLevel(
              JsonFields.flag(node, "add_prefix_space", true, path),
              JsonFields.flag(node, "use_regex", true, path));
      case "Metaspace" -> metaspace(node, path);
      case "Sequence" -> {
        List<PreTokenizer> steps = new ArrayList<>();
        JsonNode list = JsonFields.array(node, "pretokenizers", path);
        for (int i = 0; i < list.size(); i++) {
          PreTokenizer step = fromJson(list.get(i), path + ".pretokenizers[" + i + "]");
          if (step != null) {
            steps.add(step);
          }
        }
        yield new Sequence(List.copyOf(steps));
      }
      default -> throw JsonFields.unsupported(path, type, "Split, ByteLevel, Metaspace, Sequence");
    };
  }

  private static Metaspace metaspace(JsonNode node, String path) {
    String replacement = JsonFields.text(node, "replacement", path);
    String scheme = JsonFields.optionalText(node, "prepend_scheme");
    Metaspace.PrependScheme prependScheme;
    if (scheme == null) {
      // Files written before prepend_scheme existed say add_prefix_space instead.
      prependScheme =
          JsonFields.flag(node, "add_prefix_space", true, path)
              ? Metaspace.PrependScheme.ALWAYS
              : Metaspace.PrependScheme.NEVER;
    } else {
      try {
        prependScheme = Metaspace.PrependScheme.valueOf(scheme.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TokenizerException(
            path + ".prepend_scheme is \"" + scheme + "\"; expected always, first or never");
      }
    }
    return new Metaspace(replacement, prependScheme, JsonFields.flag(node, "split", true, path));
  }
}
