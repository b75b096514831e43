package dev.modelforge.engine.lora;

import dev.modelforge.engine.config.ModelConfig;
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
   * Reads a PEFT adapter directory ({@link PeftAdapterFiles}) for a base model with {@code base}'s
   * config, checking that every stored module is one of its layers, with its shape.
   */
  public static LoraAdapter load(String name, Path dir, ModelConfig base) {
    try (PeftAdapterFiles files = PeftAdapterFiles.open(dir)) {
      List<Map<LoraTarget, Pair>> layers = new ArrayList<>();
      int found = 0;
      for (int l = 0; l < base.layers(); l++) {
        Map<LoraTarget, Pair> m = new EnumMap<>(LoraTarget.class);
        for (LoraTarget t : LoraTarget.values()) {
          String module = t.module(base.architecture(), l);
          int[] dims = dims(base, t);
          Pair pair = module == null ? null : files.take(module, dims[0], dims[1]);
          if (pair != null) {
            m.put(t, pair);
            found++;
          }
        }
        layers.add(m);
      }
      files.requireAllClaimed(base.architecture().hfClass(), found);
      LoraSettings s = files.settings();
      return new LoraAdapter(name, dir, s.rank(), (float) s.scaling(), List.copyOf(layers));
    }
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
}
