package dev.modelforge.operator.config;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * A numeric group id, or {@code none} for no value; anything else stops the operator at start-up
 * with a message naming what it got.
 */
public final class GroupIdConverter implements Converter<Long> {

  @Override
  public Long convert(String value) {
    String v = value.trim();
    if (v.equalsIgnoreCase("none")) {
      return null;
    }
    try {
      long id = Long.parseLong(v);
      if (id >= 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException("a group id (0 or more) or 'none', got '" + value + "'");
  }
}
