package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.format.ModelFormatException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file in file order, with typed getters whose errors name the
 * file, the key and what was found instead.
 */
public final class GgufMetadata {

  private final Path file;
  private final Map<String, GgufValue> values;

  public GgufMetadata(Path file, Map<String, GgufValue> values) {
    this.file = file;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  public Map<String, GgufValue> asMap() {
    return values;
  }

  public Set<String> keys() {
    return values.keySet();
  }

  public Optional<GgufValue> find(String key) {
    return Optional.ofNullable(values.get(key));
  }

  public boolean contains(String key) {
    return values.containsKey(key);
  }

  public GgufValue get(String key) {
    GgufValue v = values.get(key);
    if (v == null) {
      throw ModelFormatException.of(file, "metadata key '" + key + "' is missing");
    }
    return v;
  }

  public String getString(String key) {
    if (get(key) instanceof GgufValue.StringValue(String s)) {
      return s;
    }
    throw wrongType(key, "a string");
  }

  /** An integer of any width; unsigned 64-bit values above {@code Long.MAX_VALUE} are rejected. */
  public long getLong(String key) {
    if (get(key) instanceof GgufValue.IntValue(GgufValueType type, long v)) {
      if (type == GgufValueType.UINT64 && v < 0) {
        throw ModelFormatException.of(
            file, "metadata key '" + key + "' is " + Long.toUnsignedString(v) + ", out of range");
      }
      return v;
    }
    throw wrongType(key, "an integer");
  }

  /** An integer that must be positive and fit an {@code int} (sizes and counts). */
  public int getPositiveInt(String key) {
    long v = getLong(key);
    if (v <= 0 || v > Integer.MAX_VALUE) {
      throw ModelFormatException.of(
          file, "metadata key '" + key + "' is " + v + "; expected a positive int");
    }
    return (int) v;
  }

  public int getPositiveInt(String key, int defaultValue) {
    return contains(key) ? getPositiveInt(key) : defaultValue;
  }

  /** A float of either width; integers are accepted too, as some writers store whole numbers so. */
  public double getDouble(String key) {
    return switch (get(key)) {
      case GgufValue.FloatValue(GgufValueType type, double v) -> v;
      case GgufValue.IntValue(GgufValueType type, long v) -> v;
      default -> throw wrongType(key, "a number");
    };
  }

  public double getDouble(String key, double defaultValue) {
    return contains(key) ? getDouble(key) : defaultValue;
  }

  public boolean getBool(String key) {
    if (get(key) instanceof GgufValue.BoolValue(boolean b)) {
      return b;
    }
    throw wrongType(key, "a bool");
  }

  private ModelFormatException wrongType(String key, String expected) {
    return ModelFormatException.of(
        file, "metadata key '" + key + "' is " + values.get(key).type() + ", expected " + expected);
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
