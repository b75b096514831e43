package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.tensor.DType;

/**
 * The metadata keys llama.cpp reads for an architecture (gguf-py's {@code Keys}), e.g. {@code
 * llama.block_count}. Keys under {@code modelforge.} carry what llama.cpp keeps elsewhere (the
 * llama3 RoPE parameters, which it reads as the {@code rope_freqs} tensor) so a file round-trips.
 *
 * @param arch the value of {@code general.architecture}
 */
record LlamaCppKeys(String arch) {

  static final String ARCHITECTURE = "general.architecture";
  static final String NAME = "general.name";
  static final String FILE_TYPE = "general.file_type";
  static final String QUANTIZATION_VERSION = "general.quantization_version";

  static final String LLAMA3_FACTOR = "modelforge.rope.llama3.factor";
  static final String LLAMA3_LOW_FREQ_FACTOR = "modelforge.rope.llama3.low_freq_factor";
  static final String LLAMA3_HIGH_FREQ_FACTOR = "modelforge.rope.llama3.high_freq_factor";
  static final String LLAMA3_ORIGINAL_CONTEXT = "modelforge.rope.llama3.original_context_length";

  String vocabSize() {
    return arch + ".vocab_size";
  }

  String contextLength() {
    return arch + ".context_length";
  }

  String embeddingLength() {
    return arch + ".embedding_length";
  }

  String blockCount() {
    return arch + ".block_count";
  }

  String feedForwardLength() {
    return arch + ".feed_forward_length";
  }

  String headCount() {
    return arch + ".attention.head_count";
  }

  String headCountKv() {
    return arch + ".attention.head_count_kv";
  }

  String keyLength() {
    return arch + ".attention.key_length";
  }

  String valueLength() {
    return arch + ".attention.value_length";
  }

  String layerNormEpsilon() {
    return arch + ".attention.layer_norm_epsilon";
  }

  String layerNormRmsEpsilon() {
    return arch + ".attention.layer_norm_rms_epsilon";
  }

  String ropeDimensionCount() {
    return arch + ".rope.dimension_count";
  }

  String ropeFreqBase() {
    return arch + ".rope.freq_base";
  }

  String ropeScalingType() {
    return arch + ".rope.scaling.type";
  }

  String ropeScalingFactor() {
    return arch + ".rope.scaling.factor";
  }

  /** llama.cpp's {@code llama_ftype}: the type most weights are stored in. */
  static int fileType(DType dtype) {
    return switch (dtype) {
      case F32 -> 0;
      case F16 -> 1;
      case Q4_0 -> 2;
      case Q8_0 -> 7;
      case BF16 -> 32;
    };
  }
}
