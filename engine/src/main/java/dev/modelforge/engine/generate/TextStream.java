package dev.modelforge.engine.generate;

/**
 * Turns generated token ids into text incrementally: {@link #accept} returns the text that became
 * complete with this token (an incomplete UTF-8 sequence is held back until it is whole).
 */
public interface TextStream {

  String accept(int tokenId);

  /** Whatever is still held back, at the end of generation. */
  String flush();
}
