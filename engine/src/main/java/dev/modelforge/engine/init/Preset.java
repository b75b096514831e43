package dev.modelforge.engine.init;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import java.util.Arrays;
import java.util.Locale;

/** Model shapes that {@code modelforge init} can create with random weights. */
public enum Preset {
  /** dim 288, 6 layers, 6 heads, FFN 768: the llama2.c "stories15M" shape. */
  TINY(Architecture.LLAMA, 288, 6, 6, 6, 768, 32000, 2048, false, false),
  SMALL(Architecture.LLAMA, 768, 12, 12, 12, 2048, 32000, 2048, false, false),
  /** Qwen2 layout: QKV bias, GQA 12/2, tied embeddings. */
  QWEN_SMALL(Architecture.QWEN2, 768, 12, 12, 2, 2048, 32000, 2048, true, true),
  /** Qwen3 layout: QK-norm, GQA, tied embeddings. */
  QWEN3_SMALL(Architecture.QWEN3, 768, 12, 12, 2, 2048, 32000, 2048, true, false),
  GPT2_SMALL(Architecture.GPT2, 768, 12, 12, 12, 3072, 50257, 1024, true, true),
  TINYLLAMA_1B(Architecture.LLAMA, 2048, 22, 32, 4, 5632, 32000, 2048, false, false);

  private final Architecture arch;
  private final int dim;
  private final int layers;
  private final int heads;
  private final int kvHeads;
  private final int ffn;
  private final int vocab;
  private final int context;
  private final boolean tied;
  private final boolean qkvBias;

  Preset(
      Architecture arch,
      int dim,
      int layers,
      int heads,
      int kvHeads,
      int ffn,
      int vocab,
      int context,
      boolean tied,
      boolean qkvBias) {
    this.arch = arch;
    this.dim = dim;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.ffn = ffn;
    this.vocab = vocab;
    this.context = context;
    this.tied = tied;
    this.qkvBias = qkvBias;
  }

  /** The preset's name on the command line: {@code tiny}, {@code qwen-small}, ... */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Preset fromCliName(String name) {
    for (Preset p : values()) {
      if (p.cliName().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown preset '"
            + name
            + "'; choose one of "
            + Arrays.stream(values()).map(Preset::cliName).toList());
  }

  /** The config of this preset, with the vocabulary resized (to fit a real tokenizer). */
  public ModelConfig config(int vocabSize, String dtype) {
    RopeConfig rope =
        arch == Architecture.GPT2 ? RopeConfig.NONE : new RopeConfig(10000, "default", 1, 1, 1, 0);
    return new ModelConfig(
        arch,
        dim,
        layers,
        heads,
        kvHeads,
        dim / heads,
        ffn,
        vocabSize,
        context,
        arch == Architecture.GPT2 ? 1e-5f : 1e-5f,
        rope,
        tied,
        qkvBias,
        dtype);
  }

  public int defaultVocabSize() {
    return vocab;
  }
}
