package dev.modelforge.runtime.serve;

import java.util.Locale;

/** Parses sizes like {@code 512M}, {@code 2G}, {@code 1.5GiB} or plain bytes. */
final class ByteSize {

  private ByteSize() {}

  static long parse(String text) {
    String s = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
    long unit = 1;
    if (!s.isEmpty()) {
      switch (s.charAt(s.length() - 1)) {
        case 'K' -> unit = 1L << 10;
        case 'M' -> unit = 1L << 20;
        case 'G' -> unit = 1L << 30;
        case 'T' -> unit = 1L << 40;
        default -> unit = 1;
      }
    }
    String number = unit == 1 ? s : s.substring(0, s.length() - 1);
    try {
      double v = Double.parseDouble(number);
      if (!(v > 0)) {
        throw new NumberFormatException();
      }
      return (long) (v * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size; write bytes or a number with K, M, G or T, e.g. 512M");
    }
  }
}
