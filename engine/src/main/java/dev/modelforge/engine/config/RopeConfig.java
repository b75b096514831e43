package dev.modelforge.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.ModelFormatException;

/**
 * Rotary position embedding: the base {@code theta} and an optional frequency scaling. Accepts the
 * classic {@code rope_theta} + {@code rope_scaling} keys and the newer {@code rope_parameters}
 * object.
 *
 * @param theta the base of the inverse frequencies
 * @param type "default", "linear" or "llama3"
 * @param factor scaling factor (linear and llama3)
 * @param lowFreqFactor llama3: wavelengths above original/low are divided by factor
 * @param highFreqFactor llama3: wavelengths below original/high are kept
 * @param originalMaxPositions llama3: the context length the model was pretrained at
 */
public record RopeConfig(
    double theta,
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositions) {

  public static final RopeConfig NONE = new RopeConfig(10000, "default", 1, 1, 1, 0);

  public static RopeConfig parse(JsonNode c, int headDim) {
    JsonNode params = c.get("rope_parameters");
    JsonNode scaling = params != null && params.isObject() ? params : c.get("rope_scaling");
    double theta = c.path("rope_theta").asDouble(10000);
    if (params != null && params.hasNonNull("rope_theta")) {
      theta = params.get("rope_theta").asDouble();
    }
    if (scaling == null || scaling.isNull()) {
      return new RopeConfig(theta, "default", 1, 1, 1, 0);
    }
    String type = scaling.path("rope_type").asText(scaling.path("type").asText("default"));
    return switch (type) {
      case "default" -> new RopeConfig(theta, "default", 1, 1, 1, 0);
      case "linear" -> new RopeConfig(theta, "linear", scaling.path("factor").asDouble(1), 1, 1, 0);
      case "llama3" -> {
        double low = scaling.path("low_freq_factor").asDouble(1);
        double high = scaling.path("high_freq_factor").asDouble(4);
        int original = scaling.path("original_max_position_embeddings").asInt(8192);
        if (!(high > low) || low <= 0 || original <= 0) {
          // the smoothing divides by high - low and original / low
          throw new ModelFormatException(
              "llama3 rope scaling needs high_freq_factor > low_freq_factor > 0 and a positive"
                  + " original_max_position_embeddings, got "
                  + high
                  + ", "
                  + low
                  + ", "
                  + original);
        }
        yield new RopeConfig(
            theta, "llama3", scaling.path("factor").asDouble(8), low, high, original);
      }
      default ->
          throw new ModelFormatException(
              "rope scaling type '" + type + "' is not supported (default, linear, llama3)");
    };
  }

  /**
   * Inverse frequency of rotary pair {@code i} of {@code headDim / 2}, with the scaling applied.
   */
  public double inverseFrequency(int i, int headDim) {
    double freq = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
    switch (type) {
      case "linear" -> freq /= factor;
      case "llama3" -> {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / freq;
        if (wavelen > lowWavelen) {
          freq /= factor;
        } else if (wavelen >= highWavelen) {
          double smooth =
              (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
          freq = (1 - smooth) * freq / factor + smooth * freq;
        }
      }
      default -> {}
    }
    return freq;
  }

  void writeTo(ObjectNode c) {
    c.put("rope_theta", theta);
    if (type.equals("default")) {
      return;
    }
    ObjectNode s = c.putObject("rope_scaling");
    s.put("rope_type", type);
    s.put("factor", factor);
    if (type.equals("llama3")) {
      s.put("low_freq_factor", lowFreqFactor);
      s.put("high_freq_factor", highFreqFactor);
      s.put("original_max_position_embeddings", originalMaxPositions);
    }
  }
}
