package dev.modelforge.operator.common;

import java.util.Locale;

/** Byte counts for people: decimal units, as download tools and the design's examples show. */
public final class Bytes {
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

  private Bytes() {}

  public static String human(long bytes) {
    double value = bytes;
    int unit = 0;
    while (value >= 1000 && unit < UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    if (unit == 0 || value >= 10) {
      return Math.round(Math.floor(value)) + UNITS[unit];
    }
    return String.format(Locale.ROOT, "%.1f%s", Math.floor(value * 10) / 10, UNITS[unit]);
  }
}
