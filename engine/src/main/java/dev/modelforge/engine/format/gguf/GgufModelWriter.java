package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.config.TensorNames;
import dev.modelforge.engine.config.TensorNames.Tensor;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tokenizer.LlamaCppVocabulary;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Writes a Hugging Face model as a GGUF file that llama.cpp loads: its architecture name, metadata
 * keys and tensor names, Llama's q/k rows permuted for interleaved RoPE ({@link QkPermutation}) and
 * GPT-2's Conv1D weights transposed to {@code [out, in]}, as convert_hf_to_gguf does. Optionally
 * the weight matrices are quantized to Q8_0 or Q4_0 with ggml's reference rounding.
 */
public final class GgufModelWriter {

  /** The ggml block-quantization format revision llama.cpp expects for Q8_0/Q4_0 blocks. */
  private static final int GGML_QUANT_VERSION = 2;

  private final ModelConfig config;
  private final TensorStore hf;
  private final DType matrixType;
  private final LlamaCppVocabulary tokenizer;
  private final String name;
  private final LlamaCppKeys keys;

  private GgufModelWriter(
      ModelConfig config,
      TensorStore hf,
      DType matrixType,
      LlamaCppVocabulary tokenizer,
      String name) {
    if (tokenizer != null && tokenizer.tokens().size() != config.vocabSize()) {
      throw new IllegalArgumentException(
          "the tokenizer has "
              + tokenizer.tokens().size()
              + " tokens but the model's vocabulary is "
              + config.vocabSize());
    }
    this.config = config;
    this.hf = hf;
    this.matrixType = matrixType;
    this.tokenizer = tokenizer;
    this.name = name;
    this.keys = new LlamaCppKeys(architectureName(config.architecture()));
  }

  /**
   * Writes {@code hf} (tensors with HF names) and {@code config} to {@code out}.
   *
   * @param matrixType null to keep each tensor's type, or Q8_0 / Q4_0 to quantize the weight
   *     matrices (every 2-D weight except the embeddings, whose rows are looked up, not multiplied;
   *     a tied token embedding is quantized, being the output matrix too)
   */
  public static void write(ModelConfig config, TensorStore hf, DType matrixType, Path out)
      throws IOException {
    new GgufModelWriter(config, hf, matrixType, null, null).write(out);
  }

  /**
   * Writes a model with its tokenizer, as llama.cpp runs it without any other file.
   *
   * @param type null to keep each tensor's type; Q8_0 / Q4_0 to quantize the weight matrices; F32,
   *     F16 or BF16 for every 2-D tensor, the 1-D ones (norms, biases) then F32 as
   *     convert_hf_to_gguf writes them
   * @param tokenizer the {@code tokenizer.ggml.*} keys, or null to write none
   * @param name {@code general.name}, or null
   */
  public static void write(
      ModelConfig config,
      TensorStore hf,
      DType type,
      LlamaCppVocabulary tokenizer,
      String name,
      Path out)
      throws IOException {
    new GgufModelWriter(config, hf, type, tokenizer, name).write(out);
  }

  /** Converts a Hugging Face model directory (config.json + safetensors) to {@code out}. */
  public static void convertDirectory(Path hfDir, DType matrixType, Path out) throws IOException {
    ModelConfig config = ModelConfig.read(hfDir);
    try (SafetensorsStore store = SafetensorsStore.open(hfDir)) {
      write(config, store, matrixType, out);
    }
  }

  /** llama.cpp's name; it runs Mistral checkpoints as llama, and convert_hf_to_gguf says so. */
  static String architectureName(Architecture a) {
    return switch (a) {
      case LLAMA, MISTRAL -> "llama";
      case QWEN2 -> "qwen2";
      case QWEN3 -> "qwen3";
      case GPT2 -> "gpt2";
    };
  }

  private void write(Path out) throws IOException {
    GgufWriter gguf = new GgufWriter();
    writeMetadata(gguf);
    if (tokenizer != null) {
      GgufTokenizer.write(tokenizer, gguf);
    }
    Architecture arch = config.architecture();
    for (String name : hf.names()) {
      boolean tiedHead =
          name.equals(TensorNames.of(arch).hf(Tensor.LM_HEAD)) && config.tiedEmbeddings();
      String ggufName = LlamaCppNames.toGguf(arch, name);
      if (tiedHead || (ggufName == null && LlamaCppNames.isDroppedBuffer(name))) {
        continue;
      }
      if (ggufName == null) {
        throw new ModelFormatException(
            "tensor '" + name + "' has no llama.cpp name for " + arch.hfClass());
      }
      addTensor(gguf, name, ggufName, hf.get(name));
    }
    if (config.rope().type().equals("llama3")) {
      float[] factors = llama3FrequencyFactors(config.rope(), config.headDim());
      gguf.add(
          LlamaCppNames.ROPE_FREQS,
          DType.F32,
          new long[] {factors.length},
          TensorConversion.encode(factors, 1, factors.length, DType.F32));
    }
    gguf.write(out);
  }

  private void writeMetadata(GgufWriter out) {
    out.putString(LlamaCppKeys.ARCHITECTURE, keys.arch());
    if (name != null) {
      out.putString(LlamaCppKeys.NAME, name);
    }
    out.putUint32(LlamaCppKeys.FILE_TYPE, LlamaCppKeys.fileType(mainType()));
    out.putUint32(LlamaCppKeys.QUANTIZATION_VERSION, GGML_QUANT_VERSION);
    out.putUint32(keys.vocabSize(), config.vocabSize());
    out.putUint32(keys.contextLength(), config.maxPositions());
    out.putUint32(keys.embeddingLength(), config.dim());
    out.putUint32(keys.blockCount(), config.layers());
    out.putUint32(keys.feedForwardLength(), config.ffnDim());
    out.putUint32(keys.headCount(), config.heads());
    if (config.architecture().isGpt2()) {
      out.putFloat32(keys.layerNormEpsilon(), config.normEps());
      return;
    }
    out.putUint32(keys.headCountKv(), config.kvHeads());
    out.putUint32(keys.keyLength(), config.headDim());
    out.putUint32(keys.valueLength(), config.headDim());
    out.putFloat32(keys.layerNormRmsEpsilon(), config.normEps());
    out.putUint32(keys.ropeDimensionCount(), config.headDim());
    RopeConfig rope = config.rope();
    out.putFloat32(keys.ropeFreqBase(), (float) rope.theta());
    switch (rope.type()) {
      case "linear" -> {
        out.putString(keys.ropeScalingType(), "linear");
        out.putFloat32(keys.ropeScalingFactor(), (float) rope.factor());
      }
      case "llama3" -> {
        out.put(LlamaCppKeys.LLAMA3_FACTOR, GgufValue.float64(rope.factor()));
        out.put(LlamaCppKeys.LLAMA3_LOW_FREQ_FACTOR, GgufValue.float64(rope.lowFreqFactor()));
        out.put(LlamaCppKeys.LLAMA3_HIGH_FREQ_FACTOR, GgufValue.float64(rope.highFreqFactor()));
        out.putUint32(LlamaCppKeys.LLAMA3_ORIGINAL_CONTEXT, rope.originalMaxPositions());
      }
      default -> {}
    }
  }

  /** The type most weights end up in, for {@code general.file_type}. */
  private DType mainType() {
    if (matrixType != null) {
      return matrixType;
    }
    String embedding = TensorNames.forStore(config.architecture(), hf.names()).hf(Tensor.EMBED);
    return hf.find(embedding).map(TensorData::dtype).orElse(DType.F32);
  }

  private void addTensor(GgufWriter out, String hfName, String ggufName, TensorData t) {
    boolean transpose = config.architecture().isGpt2() && isConv1dWeight(hfName);
    int permutedHeads = permutedHeads(hfName);
    if (transpose && t.rank() != 2) {
      throw new ModelFormatException(
          "tensor '" + hfName + "' has shape " + t.shapeString() + "; a Conv1D weight is 2-D");
    }
    long[] shape = transpose ? new long[] {t.dim(1), t.dim(0)} : t.shape();
    if (permutedHeads > 0 && shape[0] != (long) permutedHeads * config.headDim()) {
      throw new ModelFormatException(
          "tensor '"
              + hfName
              + "' has shape "
              + t.shapeString()
              + " but the config implies "
              + permutedHeads
              + " heads of "
              + config.headDim()
              + " rows");
    }
    DType outType;
    if (quantizes(ggufName, shape)) {
      outType = matrixType;
    } else if (matrixType != null && !matrixType.isQuantized()) {
      outType = shape.length == 2 ? matrixType : DType.F32;
    } else if (transpose && t.dtype().isQuantized()) {
      outType = DType.F32; // a quantized row cannot become a column; widen instead
    } else {
      outType = t.dtype();
    }
    int rows = Math.toIntExact(shape[0]);
    int cols = shape.length == 2 ? Math.toIntExact(shape[1]) : 1;
    out.addLazy(
        ggufName,
        outType,
        shape,
        () -> {
          MemorySegment bytes = t.bytes();
          if (transpose || outType != t.dtype()) {
            float[] x = t.toFloats();
            if (transpose) {
              x = TensorConversion.transpose(x, cols, rows);
            }
            bytes = TensorConversion.encode(x, rows, cols, outType);
          }
          if (permutedHeads > 0) {
            bytes = QkPermutation.toInterleaved(bytes, permutedHeads, outType.byteSize(cols));
          }
          return bytes;
        });
  }

  private boolean quantizes(String ggufName, long[] shape) {
    return matrixType != null
        && matrixType.isQuantized()
        && shape.length == 2
        && shape[1] % matrixType.blockSize() == 0
        && ggufName.endsWith(".weight")
        // a tied token embedding is the output matrix too, which llama.cpp multiplies by as
        // stored: it takes the block type, as llama.cpp's converter writes it
        && (!ggufName.equals(LlamaCppNames.TOKEN_EMBEDDING) || config.tiedEmbeddings())
        && !ggufName.equals(LlamaCppNames.POSITION_EMBEDDING);
  }

  /** Heads whose rows llama.cpp's llama layout interleaves, or 0 if this tensor keeps its rows. */
  private int permutedHeads(String hfName) {
    Architecture a = config.architecture();
    if (a != Architecture.LLAMA && a != Architecture.MISTRAL) {
      return 0;
    }
    return LlamaCppNames.interleavedHeads(config, hfName);
  }

  static boolean isConv1dWeight(String hfName) {
    TensorNames.Named n = TensorNames.of(Architecture.GPT2).parseHf(hfName);
    return n != null
        && switch (n.tensor()) {
          case QKV, O, UP, DOWN -> true;
          default -> false;
        };
  }

  /**
   * The per-pair divisors of llama3 RoPE scaling that llama.cpp reads from {@code
   * rope_freqs.weight}, computed as convert_hf_to_gguf does.
   */
  static float[] llama3FrequencyFactors(RopeConfig rope, int headDim) {
    float[] factors = new float[headDim / 2];
    double lowWavelen = rope.originalMaxPositions() / rope.lowFreqFactor();
    double highWavelen = rope.originalMaxPositions() / rope.highFreqFactor();
    for (int i = 0; i < factors.length; i++) {
      double freq = 1.0 / Math.pow(rope.theta(), (2.0 * i) / headDim);
      double wavelen = 2 * Math.PI / freq;
      if (wavelen < highWavelen) {
        factors[i] = 1;
      } else if (wavelen > lowWavelen) {
        factors[i] = (float) rope.factor();
      } else {
        double smooth =
            (rope.originalMaxPositions() / wavelen - rope.lowFreqFactor())
                / (rope.highFreqFactor() - rope.lowFreqFactor());
        factors[i] = (float) (1 / ((1 - smooth) / rope.factor() + smooth));
      }
    }
    return factors;
  }
}
