package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.TensorNames;
import dev.modelforge.engine.config.TensorNames.Tensor;

/**
 * The GGUF names of the tensors llama.cpp reads beside the model's own (whose HF and GGUF names are
 * {@link TensorNames}'s), and the conversion of one name to the other.
 */
final class LlamaCppNames {

  static final String TOKEN_EMBEDDING = TensorNames.of(Architecture.LLAMA).gguf(Tensor.EMBED);
  static final String POSITION_EMBEDDING = TensorNames.of(Architecture.GPT2).gguf(Tensor.POSITIONS);
  static final String OUTPUT = TensorNames.of(Architecture.LLAMA).gguf(Tensor.LM_HEAD);

  /** llama3 RoPE frequency factors, one per rotary pair; llama.cpp reads them as a tensor. */
  static final String ROPE_FREQS = "rope_freqs.weight";

  private LlamaCppNames() {}

  /** The GGUF name of HF tensor {@code hf}, or null if llama.cpp has no such tensor. */
  static String toGguf(Architecture arch, String hf) {
    TensorNames names = TensorNames.of(arch);
    TensorNames.Named n = names.parseHf(hf);
    return n == null ? null : names.gguf(n);
  }

  /** The HF name of GGUF tensor {@code gguf}, or null if the engine does not use it. */
  static String toHf(Architecture arch, String gguf) {
    TensorNames names = TensorNames.of(arch);
    TensorNames.Named n = names.parseGguf(gguf);
    return n == null ? null : names.hf(n);
  }

  /**
   * The heads whose rows llama.cpp's Llama layout interleaves in HF tensor {@code hf} (q and k,
   * with their biases), or 0 for a tensor it stores as Transformers does.
   */
  static int interleavedHeads(ModelConfig config, String hf) {
    TensorNames.Named n = TensorNames.of(config.architecture()).parseHf(hf);
    return n == null
        ? 0
        : switch (n.tensor()) {
          case Q, Q_BIAS -> config.heads();
          case K, K_BIAS -> config.kvHeads();
          default -> 0;
        };
  }

  /**
   * HF tensors convert_hf_to_gguf drops on purpose: GPT-2's causal-mask buffers and old
   * checkpoints' precomputed RoPE frequencies, which the runtime recomputes.
   */
  static boolean isDroppedBuffer(String hf) {
    return hf.endsWith(".attn.bias")
        || hf.endsWith(".attn.masked_bias")
        || hf.endsWith("rotary_emb.inv_freq");
  }
}
