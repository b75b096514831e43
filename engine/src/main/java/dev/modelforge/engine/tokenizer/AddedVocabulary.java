package dev.modelforge.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in the input before anything else happens to it, and cuts the input into those
 * tokens and the text between them; only the text goes through normalization and BPE. Tokens that
 * are not {@code normalized} are found in the raw text; the rest in the normalized text of each
 * piece in between, as the reference does. At each position the longest token wins.
 */
final class AddedVocabulary {

  /**
   * A piece of the input: an added token ({@code tokenId >= 0}) or normalized text to pre-tokenize
   * ({@code tokenId < 0}); {@code atTextStart} when it starts at offset 0 of the input.
   */
  record Segment(String text, int tokenId, boolean atTextStart) {
    boolean isAddedToken() {
      return tokenId >= 0;
    }
  }

  private final TokenTrie rawTokens = new TokenTrie();
  private final TokenTrie normalizedTokens = new TokenTrie();
  private final Normalizer normalizer;

  AddedVocabulary(List<AddedToken> tokens, Normalizer normalizer) {
    this.normalizer = normalizer;
    for (AddedToken token : tokens) {
      if (token.normalized() && normalizer != null) {
        normalizedTokens.add(normalizer.normalize(token.content()), token);
      } else {
        rawTokens.add(token.content(), token);
      }
    }
  }

  List<Segment> split(String text) {
    List<Segment> raw = new ArrayList<>();
    rawTokens.split(text, true, raw);
    List<Segment> segments = new ArrayList<>(raw.size());
    for (Segment segment : raw) {
      if (segment.isAddedToken()) {
        segments.add(segment);
        continue;
      }
      String normalized =
          normalizer == null ? segment.text() : normalizer.normalize(segment.text());
      normalizedTokens.split(normalized, segment.atTextStart(), segments);
    }
    return segments;
  }

  /** A character trie of token contents that splits text at the longest match. */
  private static final class TokenTrie {
    private final Node root = new Node();
    private final java.util.BitSet firstChars = new java.util.BitSet(Character.MAX_VALUE + 1);

    private static final class Node {
      final Map<Character, Node> children = new HashMap<>(4);
      AddedToken token;
    }

    void add(String content, AddedToken token) {
      Node node = root;
      for (int i = 0; i < content.length(); i++) {
        node = node.children.computeIfAbsent(content.charAt(i), c -> new Node());
      }
      node.token = token;
      firstChars.set(content.charAt(0));
    }

    void split(String text, boolean atTextStart, List<Segment> out) {
      int textStart = 0; // where the text not yet written out begins
      int i = 0;
      while (i < text.length()) {
        if (!firstChars.get(text.charAt(i))) {
          i++;
          continue;
        }
        AddedToken token = null;
        int end = -1;
        Node node = root;
        for (int j = i; j < text.length(); j++) {
          node = node.children.get(text.charAt(j));
          if (node == null) {
            break;
          }
          if (node.token != null) {
            token = node.token;
            end = j + 1;
          }
        }
        if (token == null || (token.singleWord() && !standsAlone(text, i, end))) {
          i++;
          continue;
        }
        int start = i;
        if (token.lstrip()) {
          while (start > textStart && Character.isWhitespace(text.charAt(start - 1))) {
            start--;
          }
        }
        if (token.rstrip()) {
          while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
            end++;
          }
        }
        addText(text, textStart, start, atTextStart, out);
        out.add(new Segment(token.content(), token.id(), atTextStart && start == 0));
        textStart = end;
        i = end;
      }
      addText(text, textStart, text.length(), atTextStart, out);
    }

    private static void addText(
        String text, int from, int to, boolean atTextStart, List<Segment> out) {
      if (to > from) {
        out.add(new Segment(text.substring(from, to), -1, atTextStart && from == 0));
      }
    }

    /** Whether a match has no word character right before or right after it. */
    private static boolean standsAlone(String text, int start, int end) {
      boolean wordBefore = start > 0 && isWordChar(text.codePointBefore(start));
      boolean wordAfter = end < text.length() && isWordChar(text.codePointAt(end));
      return !wordBefore && !wordAfter;
    }

    private static boolean isWordChar(int codePoint) {
      return Character.isLetterOrDigit(codePoint) || codePoint == '_';
    }
  }
}
