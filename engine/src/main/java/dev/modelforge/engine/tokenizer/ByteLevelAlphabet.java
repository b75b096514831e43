package dev.modelforge.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible map between the 256 byte values and 256 printable code points, so that any
 * byte sequence becomes a string a BPE vocabulary can hold. Printable Latin-1 bytes map to
 * themselves; the others (control characters, space, ...) are shifted to U+0100 and up, which is
 * why a space appears as 'Ġ' (U+0120) in byte-level vocabularies.
 */
final class ByteLevelAlphabet {

  private static final char[] CHAR_OF_BYTE = new char[256];
  private static final int[] BYTE_OF_CHAR = new int[512];

  static {
    java.util.Arrays.fill(BYTE_OF_CHAR, -1);
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      char c = printable ? (char) b : (char) (256 + shifted++);
      CHAR_OF_BYTE[b] = c;
      BYTE_OF_CHAR[c] = b;
    }
  }

  private ByteLevelAlphabet() {}

  /** The text's UTF-8 bytes, each written as its printable stand-in. */
  static String encode(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    char[] chars = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      chars[i] = CHAR_OF_BYTE[utf8[i] & 0xFF];
    }
    return new String(chars);
  }

  /** The byte a stand-in character represents, or -1 when the character is not one. */
  static int byteOf(char c) {
    return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
  }
}
