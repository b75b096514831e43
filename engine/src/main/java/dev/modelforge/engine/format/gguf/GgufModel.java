package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A llama.cpp model file read as the engine reads a Hugging Face directory: a {@link ModelConfig}
 * from the metadata and a {@link TensorStore} with HF names and layouts. Llama's q/k rows are put
 * back in rotate-half order and GPT-2's matrices back in Conv1D {@code [in, out]} layout; every
 * other tensor is the mapped file's bytes, unchanged.
 */
public final class GgufModel implements AutoCloseable {

  private final GgufStore gguf;
  private final ModelConfig config;
  private final HfView tensors;

  private GgufModel(GgufStore gguf, ModelConfig config, Map<String, TensorData> hfTensors) {
    this.gguf = gguf;
    this.config = config;
    this.tensors = new HfView(hfTensors);
  }

  public static GgufModel open(Path file) {
    GgufStore gguf = GgufStore.open(file);
    try {
      ModelConfig config = readConfig(gguf);
      return new GgufModel(gguf, config, hfTensors(gguf, config));
    } catch (RuntimeException e) {
      gguf.close();
      if (e instanceof ModelFormatException && !e.getMessage().startsWith(file.toString())) {
        throw ModelFormatException.of(file, e.getMessage());
      }
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** The tensors under their Hugging Face names; closing it closes this model. */
  public TensorStore tensors() {
    return tensors;
  }

  /** The file as stored: GGUF names, metadata, tensor infos. */
  public GgufStore gguf() {
    return gguf;
  }

  /**
   * The block-quantized type the weight matrices are stored in, if any. A loader that keeps it
   * re-encodes nothing that is already in that type, and re-quantizes GPT-2's matrices, which must
   * be widened here to undo their transpose, into the same blocks (quantizing dequantized Q8_0/Q4_0
   * values reproduces them).
   */
  public Optional<DType> quantizedMatrixType() {
    return gguf.file().tensors().values().stream()
        .filter(t -> t.rank() == 2 && t.dtype().isQuantized())
        .map(TensorData::dtype)
        .findFirst();
  }

  @Override
  public void close() {
    gguf.close();
  }

  private static ModelConfig readConfig(GgufStore gguf) {
    GgufMetadata meta = gguf.metadata();
    String archName = meta.getString(LlamaCppKeys.ARCHITECTURE);
    Architecture arch =
        switch (archName) {
          case "llama" -> Architecture.LLAMA;
          case "qwen2" -> Architecture.QWEN2;
          case "qwen3" -> Architecture.QWEN3;
          case "gpt2" -> Architecture.GPT2;
          default ->
              throw ModelFormatException.of(
                  gguf.path(),
                  "architecture '" + archName + "' is not supported (llama, qwen2, qwen3, gpt2)");
        };
    LlamaCppKeys k = new LlamaCppKeys(archName);
    int dim = meta.getPositiveInt(k.embeddingLength());
    int heads = meta.getPositiveInt(k.headCount());
    // llama.cpp itself takes the vocabulary size from the tokenizer or the embedding
    int vocab =
        meta.contains(k.vocabSize())
            ? meta.getPositiveInt(k.vocabSize())
            : (int) Math.min(gguf.get(LlamaCppNames.TOKEN_EMBEDDING).dim(0), Integer.MAX_VALUE);
    DType embedding = gguf.get(LlamaCppNames.TOKEN_EMBEDDING).dtype();
    String dtype = (embedding.isQuantized() ? DType.F32 : embedding).shortName();
    try {
      if (arch.isGpt2()) {
        return new ModelConfig(
            arch,
            dim,
            meta.getPositiveInt(k.blockCount()),
            heads,
            heads,
            dim / heads,
            meta.getPositiveInt(k.feedForwardLength()),
            vocab,
            meta.getPositiveInt(k.contextLength()),
            (float) meta.getDouble(k.layerNormEpsilon()),
            RopeConfig.NONE,
            true,
            true,
            dtype);
      }
      return new ModelConfig(
          arch,
          dim,
          meta.getPositiveInt(k.blockCount()),
          heads,
          meta.getPositiveInt(k.headCountKv(), heads),
          meta.getPositiveInt(k.keyLength(), dim / heads),
          meta.getPositiveInt(k.feedForwardLength()),
          vocab,
          meta.getPositiveInt(k.contextLength()),
          (float) meta.getDouble(k.layerNormRmsEpsilon()),
          readRope(gguf, k),
          !gguf.names().contains(LlamaCppNames.OUTPUT),
          gguf.names().contains("blk.0.attn_q.bias"),
          dtype);
    } catch (ModelFormatException e) {
      throw e.getMessage().startsWith(gguf.path().toString())
          ? e
          : ModelFormatException.of(gguf.path(), e.getMessage());
    }
  }

  private static RopeConfig readRope(GgufStore gguf, LlamaCppKeys k) {
    GgufMetadata meta = gguf.metadata();
    double theta = meta.getDouble(k.ropeFreqBase(), 10000);
    if (meta.contains(LlamaCppKeys.LLAMA3_FACTOR)) {
      return new RopeConfig(
          theta,
          "llama3",
          meta.getDouble(LlamaCppKeys.LLAMA3_FACTOR),
          meta.getDouble(LlamaCppKeys.LLAMA3_LOW_FREQ_FACTOR),
          meta.getDouble(LlamaCppKeys.LLAMA3_HIGH_FREQ_FACTOR),
          meta.getPositiveInt(LlamaCppKeys.LLAMA3_ORIGINAL_CONTEXT));
    }
    if (gguf.names().contains(LlamaCppNames.ROPE_FREQS)) {
      throw ModelFormatException.of(
          gguf.path(),
          LlamaCppNames.ROPE_FREQS,
          "holds per-frequency RoPE factors without the modelforge.rope.llama3.* keys that name"
              + " their parameters; such llama.cpp llama3 files are not supported yet");
    }
    String scaling =
        meta.contains(k.ropeScalingType()) ? meta.getString(k.ropeScalingType()) : "none";
    return switch (scaling) {
      case "none" -> new RopeConfig(theta, "default", 1, 1, 1, 0);
      case "linear" ->
          new RopeConfig(theta, "linear", meta.getDouble(k.ropeScalingFactor()), 1, 1, 0);
      default ->
          throw ModelFormatException.of(
              gguf.path(),
              "metadata key '"
                  + k.ropeScalingType()
                  + "' is '"
                  + scaling
                  + "'; supported: none, linear");
    };
  }

  /**
   * Every tensor the engine uses, under its HF name and in HF layout; each {@link TensorData} keeps
   * its GGUF name so that errors name the tensor as the file does.
   */
  private static Map<String, TensorData> hfTensors(GgufStore gguf, ModelConfig config) {
    Architecture arch = config.architecture();
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (String name : gguf.names()) {
      String hfName = LlamaCppNames.toHf(arch, name);
      if (hfName == null) {
        continue; // e.g. rope_freqs: its content is in the config
      }
      TensorData t = gguf.get(name);
      if (arch.isGpt2() && GgufModelWriter.isConv1dWeight(hfName)) {
        t = toConv1d(gguf.path(), t);
      } else if (arch == Architecture.LLAMA) {
        t = toRotateHalf(gguf.path(), hfName, t, config);
      }
      out.put(hfName, t); // keeps the GGUF name, so errors name the tensor as the file does
    }
    return out;
  }

  private static TensorData toRotateHalf(
      Path file, String hfName, TensorData t, ModelConfig config) {
    int heads = LlamaCppNames.interleavedHeads(config, hfName);
    if (heads == 0) {
      return t;
    }
    if (t.dim(0) != (long) heads * config.headDim()) {
      throw ModelFormatException.of(
          file,
          t.name(),
          "has shape "
              + t.shapeString()
              + " but the metadata implies "
              + heads
              + " heads of "
              + config.headDim());
    }
    long rowBytes = t.bytes().byteSize() / t.dim(0);
    MemorySegment rows = QkPermutation.toRotateHalf(t.bytes(), heads, rowBytes);
    return new TensorData(t.name(), t.dtype(), t.shape(), rows);
  }

  /** {@code [out, in]} back to Conv1D's {@code [in, out]}; quantized rows are widened to F32. */
  private static TensorData toConv1d(Path file, TensorData t) {
    if (t.rank() != 2 || t.dim(0) > Integer.MAX_VALUE || t.dim(1) > Integer.MAX_VALUE) {
      throw ModelFormatException.of(
          file, t.name(), "has shape " + t.shapeString() + "; expected a 2-D weight matrix");
    }
    int rows = Math.toIntExact(t.dim(0));
    int cols = Math.toIntExact(t.dim(1));
    DType type = t.dtype().isQuantized() ? DType.F32 : t.dtype();
    float[] x = TensorConversion.transpose(t.toFloats(), rows, cols);
    return new TensorData(
        t.name(), type, new long[] {cols, rows}, TensorConversion.encode(x, cols, rows, type));
  }

  /** The HF-named tensors; closing the view closes the model. */
  private final class HfView implements TensorStore {

    private final Map<String, TensorData> byName;

    HfView(Map<String, TensorData> byName) {
      this.byName = Collections.unmodifiableMap(byName);
    }

    @Override
    public Set<String> names() {
      return byName.keySet();
    }

    @Override
    public Optional<TensorData> find(String name) {
      return Optional.ofNullable(byName.get(name));
    }

    @Override
    public ModelFormatException missing(String name) {
      String ggufName = LlamaCppNames.toGguf(config.architecture(), name);
      return ModelFormatException.of(
          gguf.path(),
          ggufName != null ? ggufName : name,
          "is missing" + (ggufName != null ? " (HF name " + name + ")" : ""));
    }

    @Override
    public void close() {
      GgufModel.this.close();
    }
  }
}
