package dev.modelforge.engine.tokenizer;

/**
 * Decodes generated ids one at a time for streaming: each call returns the text that has become
 * complete, so a character whose UTF-8 bytes span several tokens (an emoji in byte-level BPE, a
 * {@code <0xNN>} run in SentencePiece) is returned whole, once its last byte has arrived.
 *
 * <p>Decoders see context (Llama 2's decoder strips the space before the first word only), so each
 * step decodes a short window: the tokens already returned since the previous step plus the new
 * ones, and returns the part of the text the new tokens added (the method of vLLM's incremental
 * detokenizer). Concatenating every returned string and {@link #finish()} gives the decoded text of
 * all ids, without the clean-up of spaces that {@link Tokenizer#decode} may do.
 *
 * <p>Not thread-safe: one decoder per stream.
 */
public final class TokenDecoder {

  private static final char REPLACEMENT = '\uFFFD';

  /** Ids before this many returned ones are dropped from the window buffer. */
  private static final int COMPACT_AFTER = 1024;

  private final Tokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private final TokenIdBuffer ids = new TokenIdBuffer(64);
  private int windowStart; // first id of the context window
  private int returnedEnd; // ids before this have had their text returned

  TokenDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /**
   * Takes the next id and returns the text that became complete with it, possibly "".
   *
   * @throws IllegalArgumentException when the id is not in the vocabulary
   */
  public String append(int id) {
    tokenizer.tokenText(id); // reject an unknown id now rather than at every later step
    if (skipSpecialTokens && tokenizer.isSpecial(id)) {
      return "";
    }
    ids.add(id);
    return completeText(false);
  }

  /** Returns whatever is still held back (an incomplete character becomes U+FFFD). */
  public String finish() {
    return completeText(true);
  }

  private String completeText(boolean force) {
    String returned = tokenizer.decodeRaw(ids, windowStart, returnedEnd);
    String window = tokenizer.decodeRaw(ids, windowStart, ids.size());
    boolean incomplete = !window.isEmpty() && window.charAt(window.length() - 1) == REPLACEMENT;
    if (window.length() <= returned.length() || (incomplete && !force)) {
      return "";
    }
    String added = window.substring(returned.length());
    windowStart = returnedEnd;
    returnedEnd = ids.size();
    if (windowStart > COMPACT_AFTER) {
      ids.removeFirst(windowStart);
      returnedEnd -= windowStart;
      windowStart = 0;
    }
    return added;
  }
}
