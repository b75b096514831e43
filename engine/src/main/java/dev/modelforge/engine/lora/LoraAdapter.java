package dev.modelforge.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PEFT LoRA adapter applied at inference: for each adapted linear layer {@code y = W x}, the
 * engine adds {@code scaling * B (A x)} with {@code A [r, in]}, {@code B [out, r]}, {@code scaling
 * = alpha / r} (or {@code alpha / sqrt(r)} with rsLoRA). The base weights stay untouched, so many
 * adapters share one base and one batch can mix them.
 */
public final class LoraAdapter {

  /** One adapted layer: A is [r, in], B is [out, r], row-major. */
  public record Pair(float[] a, float[] b, int in, int out) {}

  private static final AtomicInteger IDS = new AtomicInteger(1);
  private static final String PREFIX = "base_model.model.";

  private final int id;
  private final String name;
  private final Path path;
  private final int rank;
  private final float scaling;
  private final List<Map<LoraTarget, Pair>> layers;

  public LoraAdapter(
      String name, Path path, int rank, float scaling, List<Map<LoraTarget, Pair>> layers) {
    this.id = IDS.getAndIncrement();
    this.name = name;
    this.path = path;
    this.rank = rank;
    this.scaling = scaling;
    this.layers = layers;
  }

  /** Unique per loaded adapter (0 is the base model): the prefix cache keys blocks by it. */
  public int id() {
    return id;
  }

  public String name() {
    return name;
  }

  public Path path() {
    return path;
  }

  public int rank() {
    return rank;
  }

  public float scaling() {
    return scaling;
  }

  /** The adapted layer {@code target} of block {@code layer}, or null. */
  public Pair pair(int layer, LoraTarget target) {
    return layers.get(layer).get(target);
  }

  /**
   * Reads a PEFT adapter directory ({@code adapter_config.json} + {@code
   * adapter_model.safetensors}) for a base model with {@code base}'s config, checking every shape.
   */
  /**
   * What PEFT multiplies an adapter's {@code B·A·x} by: {@code alpha / r}, or {@code alpha / √r}
   * with rsLoRA ({@code use_rslora}). Serving, training and merging all scale by this.
   */
  public static double scaling(double alpha, int rank, boolean rsLora) {
    return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
  }

  public static LoraAdapter load(String name, Path dir, ModelConfig base) {
    Path configFile = dir.resolve("adapter_config.json");
    if (!Files.exists(configFile)) {
      throw ModelFormatException.of(dir, "has no adapter_config.json; is it a PEFT LoRA adapter?");
    }
    JsonNode cfg;
    try {
      cfg = new ObjectMapper().readTree(configFile.toFile());
    } catch (IOException e) {
      throw ModelFormatException.of(configFile, "is not valid JSON: " + e.getMessage());
    }
    if (!"LORA".equalsIgnoreCase(cfg.path("peft_type").asText("LORA"))) {
      throw ModelFormatException.of(
          configFile, "peft_type is " + cfg.path("peft_type") + ", not LORA");
    }
    int r = cfg.path("r").asInt(0);
    if (r <= 0) {
      throw ModelFormatException.of(
          configFile, "r must be a positive integer, got " + cfg.get("r"));
    }
    double alpha = cfg.path("lora_alpha").asDouble(r);
    float scaling = (float) scaling(alpha, r, cfg.path("use_rslora").asBoolean(false));
    Path weights = dir.resolve("adapter_model.safetensors");
    if (!Files.exists(weights)) {
      throw ModelFormatException.of(dir, "has no adapter_model.safetensors");
    }
    List<Map<LoraTarget, Pair>> layers = new ArrayList<>();
    try (SafetensorsStore store = SafetensorsStore.openFile(weights)) {
      int found = 0;
      for (int l = 0; l < base.layers(); l++) {
        Map<LoraTarget, Pair> m = new EnumMap<>(LoraTarget.class);
        for (LoraTarget t : LoraTarget.values()) {
          String module = modulePath(base, l, t);
          if (module == null) {
            continue;
          }
          var aT = store.find(module + ".lora_A.weight");
          var bT = store.find(module + ".lora_B.weight");
          if (aT.isEmpty() && bT.isEmpty()) {
            continue;
          }
          if (aT.isEmpty() || bT.isEmpty()) {
            throw ModelFormatException.of(weights, module, "has only one of lora_A and lora_B");
          }
          int[] dims = dims(base, t);
          m.put(t, pair(weights, aT.get(), bT.get(), r, dims[0], dims[1]));
          found++;
        }
        layers.add(m);
      }
      if (found == 0) {
        throw ModelFormatException.of(
            weights,
            "holds no LoRA weights for this base model's layers ("
                + base.architecture().hfClass()
                + ")");
      }
    }
    return new LoraAdapter(name, dir, r, scaling, List.copyOf(layers));
  }

  private static String modulePath(ModelConfig base, int layer, LoraTarget t) {
    if (base.architecture().isGpt2()) {
      String p = LoraTarget.gpt2Path(t);
      return p == null ? null : PREFIX + "transformer.h." + layer + "." + p;
    }
    return t == LoraTarget.QKV ? null : PREFIX + "model.layers." + layer + "." + t.modulePath();
  }

  /** {in, out} of a target in the base model. */
  private static int[] dims(ModelConfig c, LoraTarget t) {
    return switch (t) {
      case Q -> new int[] {c.dim(), c.qDim()};
      case K, V -> new int[] {c.dim(), c.kvDim()};
      case O -> new int[] {c.qDim(), c.dim()};
      case GATE, UP -> new int[] {c.dim(), c.ffnDim()};
      case DOWN -> new int[] {c.ffnDim(), c.dim()};
      case QKV -> new int[] {c.dim(), 3 * c.dim()};
    };
  }

  private static Pair pair(Path file, TensorData a, TensorData b, int r, int in, int out) {
    if (a.rank() != 2 || a.dim(0) != r || a.dim(1) != in) {
      throw ModelFormatException.of(
          file, a.name(), "has shape " + a.shapeString() + ", expected [" + r + ", " + in + "]");
    }
    if (b.rank() != 2 || b.dim(0) != out || b.dim(1) != r) {
      throw ModelFormatException.of(
          file, b.name(), "has shape " + b.shapeString() + ", expected [" + out + ", " + r + "]");
    }
    return new Pair(a.toFloats(), b.toFloats(), in, out);
  }
}
