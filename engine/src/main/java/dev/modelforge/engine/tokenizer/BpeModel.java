package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * tokenizer.json's {@code model} of type BPE: turns one pre-tokenized word into token ids by
 * starting from its characters and applying the ranked merges. Characters missing from the
 * vocabulary become their UTF-8 byte tokens ({@code <0xNN>}) when the model has byte fallback
 * (SentencePiece style), else the unknown token, else they are dropped, as in the reference.
 *
 * <p>Thread-safe: the vocabulary and merges never change and the word cache is concurrent.
 */
final class BpeModel {

  /** Words at least this long are not cached (a SentencePiece "word" can be a whole prompt). */
  private static final int MAX_CACHED_WORD_LENGTH = 256;

  private static final int CACHE_CAPACITY = 65_536;

  private final Map<String, Integer> vocabulary;
  private final String[] tokenOfId;
  private final int[] idOfBmpChar;
  private final int[] idOfByte;
  private final MergeTable merges;
  private final boolean byteFallback;
  private final boolean ignoreMerges;
  private final boolean fuseUnknown;
  private final int unknownId;
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  private BpeModel(
      Map<String, Integer> vocabulary,
      MergeTable merges,
      boolean byteFallback,
      boolean ignoreMerges,
      boolean fuseUnknown,
      int unknownId) {
    this.vocabulary = vocabulary;
    this.merges = merges;
    this.byteFallback = byteFallback;
    this.ignoreMerges = ignoreMerges;
    this.fuseUnknown = fuseUnknown;
    this.unknownId = unknownId;
    int maxId = vocabulary.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    this.tokenOfId = new String[maxId + 1];
    this.idOfBmpChar = new int[Character.MAX_VALUE + 1];
    Arrays.fill(idOfBmpChar, -1);
    for (Map.Entry<String, Integer> entry : vocabulary.entrySet()) {
      tokenOfId[entry.getValue()] = entry.getKey();
      if (entry.getKey().length() == 1) {
        idOfBmpChar[entry.getKey().charAt(0)] = entry.getValue();
      }
    }
    this.idOfByte = new int[256];
    for (int b = 0; b < 256; b++) {
      idOfByte[b] = vocabulary.getOrDefault(String.format("<0x%02X>", b), -1);
    }
  }

  /** Appends the ids of one word. */
  void encode(String word, TokenIdBuffer out) {
    if (word.isEmpty()) {
      return;
    }
    if (ignoreMerges) {
      // Llama 3: a word that is itself a token is taken whole, whatever the merges would do.
      Integer whole = vocabulary.get(word);
      if (whole != null) {
        out.add(whole);
        return;
      }
    }
    int[] cached = cache.get(word);
    if (cached != null) {
      out.addAll(cached, cached.length);
      return;
    }
    int[] symbols = new int[word.length() * 4];
    int count = initialSymbols(word, symbols);
    count = BpeWord.mergeAll(symbols, count, merges);
    if (word.length() < MAX_CACHED_WORD_LENGTH) {
      if (cache.size() >= CACHE_CAPACITY) {
        cache.clear(); // crude but bounded; a server's vocabulary of words refills it quickly
      }
      cache.put(word, Arrays.copyOf(symbols, count));
    }
    out.addAll(symbols, count);
  }

  /** One symbol per character, or per byte for characters the vocabulary lacks. */
  private int initialSymbols(String word, int[] symbols) {
    int count = 0;
    boolean previousUnknown = false;
    for (int i = 0; i < word.length(); ) {
      int codePoint = word.codePointAt(i);
      int length = Character.charCount(codePoint);
      int id =
          length == 1
              ? idOfBmpChar[codePoint]
              : vocabulary.getOrDefault(word.substring(i, i + length), -1);
      int bytesWritten = -1;
      if (id >= 0) {
        symbols[count++] = id;
        previousUnknown = false;
      } else if (byteFallback
          && (bytesWritten = appendBytes(word.substring(i, i + length), symbols, count)) > 0) {
        count += bytesWritten;
        previousUnknown = false;
      } else if (unknownId >= 0) {
        if (!(fuseUnknown && previousUnknown)) {
          symbols[count++] = unknownId;
        }
        previousUnknown = true;
      }
      i += length;
    }
    return count;
  }

  /**
   * Writes the byte tokens of a character and returns how many; -1 when the vocabulary lacks one of
   * them.
   */
  private int appendBytes(String character, int[] symbols, int at) {
    byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
    for (byte b : utf8) {
      if (idOfByte[b & 0xFF] < 0) {
        return -1;
      }
    }
    for (int k = 0; k < utf8.length; k++) {
      symbols[at + k] = idOfByte[utf8[k] & 0xFF];
    }
    return utf8.length;
  }

  /** The id of a vocabulary token, or -1. */
  int idOf(String token) {
    return vocabulary.getOrDefault(token, -1);
  }

  /** The token of an id, or null when the vocabulary has no such id. */
  String tokenOf(int id) {
    return id >= 0 && id < tokenOfId.length ? tokenOfId[id] : null;
  }

  /** One more than the largest id of the vocabulary. */
  int idLimit() {
    return tokenOfId.length;
  }

  static BpeModel fromJson(JsonNode node, String path) {
    String type = JsonFields.optionalText(node, "type");
    if (type != null && !type.equals("BPE")) {
      throw JsonFields.unsupported(path, type, "BPE");
    }
    for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
      String value = JsonFields.optionalText(node, affix);
      if (value != null && !value.isEmpty()) {
        throw new TokenizerException(
            path + "." + affix + " is \"" + value + "\"; ModelForge's BPE supports none");
      }
    }
    // dropout is a training-time regularizer; inference always merges deterministically.
    Map<String, Integer> vocabulary = vocabulary(JsonFields.object(node, "vocab", path), path);
    MergeTable merges = merges(JsonFields.array(node, "merges", path), vocabulary, path);
    String unknown = JsonFields.optionalText(node, "unk_token");
    int unknownId = -1;
    if (unknown != null) {
      Integer id = vocabulary.get(unknown);
      if (id == null) {
        throw new TokenizerException(
            path + ".unk_token \"" + unknown + "\" is not in the vocabulary");
      }
      unknownId = id;
    }
    return new BpeModel(
        vocabulary,
        merges,
        JsonFields.flag(node, "byte_fallback", false, path),
        JsonFields.flag(node, "ignore_merges", false, path),
        JsonFields.flag(node, "fuse_unk", false, path),
        unknownId);
  }

  private static Map<String, Integer> vocabulary(JsonNode vocab, String path) {
    Map<String, Integer> vocabulary = HashMap.newHashMap(vocab.size());
    for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
      JsonNode id = entry.getValue();
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw new TokenizerException(
            path + ".vocab[\"" + entry.getKey() + "\"] must be a non-negative id but is " + id);
      }
      vocabulary.put(entry.getKey(), id.asInt());
    }
    return vocabulary;
  }

  /** Merges are "left right" strings (older files) or [left, right] pairs; rank = position. */
  private static MergeTable merges(JsonNode list, Map<String, Integer> vocabulary, String path) {
    MergeTable table = new MergeTable(list.size());
    for (int rank = 0; rank < list.size(); rank++) {
      JsonNode merge = list.get(rank);
      String left;
      String right;
      if (merge.isTextual()) {
        String text = merge.asText();
        int space = text.indexOf(' ');
        if (space < 0 || text.indexOf(' ', space + 1) >= 0) {
          throw new TokenizerException(
              path
                  + ".merges["
                  + rank
                  + "] is \""
                  + text
                  + "\"; expected two tokens separated"
                  + " by one space");
        }
        left = text.substring(0, space);
        right = text.substring(space + 1);
      } else if (merge.isArray()
          && merge.size() == 2
          && merge.get(0).isTextual()
          && merge.get(1).isTextual()) {
        left = merge.get(0).asText();
        right = merge.get(1).asText();
      } else {
        throw new TokenizerException(
            path + ".merges[" + rank + "] must be \"left right\" or [left, right] but is " + merge);
      }
      table.put(
          idIn(vocabulary, left, path, rank),
          idIn(vocabulary, right, path, rank),
          rank,
          idIn(vocabulary, left + right, path, rank));
    }
    return table;
  }

  private static int idIn(Map<String, Integer> vocabulary, String token, String path, int rank) {
    Integer id = vocabulary.get(token);
    if (id == null) {
      throw new TokenizerException(
          path + ".merges[" + rank + "] needs \"" + token + "\", which is not in the vocabulary");
    }
    return id;
  }
}
