package dev.modelforge.engine.train;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.TensorNames;
import dev.modelforge.engine.config.TensorNames.Tensor;
import dev.modelforge.engine.format.FloatEncoding;
import dev.modelforge.engine.format.InMemoryTensorStore;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Every parameter of a decoder model as F32 arrays under Hugging Face names, loaded from and saved
 * to a model directory. Holds no activations; see {@link TrainableModel} for the passes.
 *
 * @param tokenEmbedding [V, C]
 * @param positionEmbedding [maxPositions, C] (GPT-2), else null
 * @param finalNorm [C]
 * @param finalNormBias [C] (GPT-2)
 * @param lmHead [V, C], or null when tied to the token embedding
 */
public record ModelParameters(
    ModelConfig config,
    Parameter tokenEmbedding,
    Parameter positionEmbedding,
    List<BlockParameters> blocks,
    Parameter finalNorm,
    Parameter finalNormBias,
    Parameter lmHead) {

  /** Reads config.json and the safetensors weights of a Hugging Face model directory. */
  public static ModelParameters load(Path dir) {
    ModelConfig config = ModelConfig.read(dir);
    try (SafetensorsStore store = SafetensorsStore.open(dir)) {
      return new Reader(config, store, dir).read();
    }
  }

  /** The output head: lm_head, or the token embedding when tied. */
  public Parameter outputHead() {
    return lmHead != null ? lmHead : tokenEmbedding;
  }

  /** Every base parameter (no LoRA), each once, in a fixed order. */
  public List<Parameter> parameters() {
    List<Parameter> all = new ArrayList<>();
    all.add(tokenEmbedding);
    all.add(positionEmbedding);
    blocks.forEach(b -> all.addAll(b.parameters()));
    all.add(finalNorm);
    all.add(finalNormBias);
    all.add(lmHead);
    all.removeIf(Objects::isNull);
    return all;
  }

  public List<Linear> linears() {
    List<Linear> all = new ArrayList<>();
    blocks.forEach(b -> all.addAll(b.linears()));
    return all;
  }

  /** LoRA matrices of every adapted layer, A then B, in layer order. */
  public List<Parameter> loraParameters() {
    List<Parameter> all = new ArrayList<>();
    for (Linear l : linears()) {
      if (l.lora() != null) {
        all.add(l.lora().a());
        all.add(l.lora().b());
      }
    }
    return all;
  }

  /** What the optimizer updates: LoRA matrices, or with no adapters every base parameter. */
  public List<Parameter> trainableParameters() {
    List<Parameter> all = new ArrayList<>(parameters());
    all.addAll(loraParameters());
    all.removeIf(p -> !p.trainable());
    return all;
  }

  public long parameterCount() {
    return parameters().stream().mapToLong(Parameter::size).sum();
  }

  /**
   * Writes {@code config.json} and {@code model.safetensors} (F32) as Hugging Face expects them;
   * LoRA adapters must have been merged first.
   */
  public void saveModel(Path dir) throws IOException {
    if (!loraParameters().isEmpty()) {
      throw new IllegalStateException("merge the LoRA adapters before saving a full model");
    }
    Files.createDirectories(dir);
    SafetensorsWriter out = new SafetensorsWriter();
    for (Parameter p : parameters()) {
      out.addF32(p.name(), p.storedShape(), p.storedValues());
    }
    out.write(dir.resolve("model.safetensors"));
    new com.fasterxml.jackson.databind.ObjectMapper()
        .writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve(ModelConfig.FILE).toFile(), config.toJson());
  }

  /**
   * Every base parameter as an F32 tensor under its Hugging Face name and in its stored layout, as
   * {@link #saveModel} writes them; LoRA adapters must have been merged first.
   */
  public TensorStore tensors() {
    if (!loraParameters().isEmpty()) {
      throw new IllegalStateException("merge the LoRA adapters before exporting a full model");
    }
    List<TensorData> tensors = new ArrayList<>();
    for (Parameter p : parameters()) {
      tensors.add(
          new TensorData(
              p.name(),
              DType.F32,
              p.storedShape(),
              FloatEncoding.encode(p.storedValues(), DType.F32)));
    }
    return new InMemoryTensorStore(tensors);
  }

  /** Builds the parameters from stored tensors, checking every shape against the config. */
  private record Reader(
      ModelConfig config, SafetensorsStore store, Path dir, TensorNames names, TensorNames stored) {

    Reader(ModelConfig config, SafetensorsStore store, Path dir) {
      this(
          config,
          store,
          dir,
          TensorNames.of(config.architecture()),
          TensorNames.forStore(config.architecture(), store.names()));
    }

    ModelParameters read() {
      return config.architecture().isGpt2() ? gpt2() : llamaFamily();
    }

    private ModelParameters llamaFamily() {
      int c = config.dim();
      int q = config.qDim();
      int kv = config.kvDim();
      int f = config.ffnDim();
      int hs = config.headDim();
      boolean bias = config.qkvBias();
      boolean qkNorm = config.architecture().qkNorm();
      List<BlockParameters> blocks = new ArrayList<>();
      for (int i = 0; i < config.layers(); i++) {
        blocks.add(
            new BlockParameters(
                tensor(Tensor.ATTN_NORM, i, c),
                null,
                linear(Tensor.Q, bias ? Tensor.Q_BIAS : null, i, q, c),
                linear(Tensor.K, bias ? Tensor.K_BIAS : null, i, kv, c),
                linear(Tensor.V, bias ? Tensor.V_BIAS : null, i, kv, c),
                null,
                qkNorm ? tensor(Tensor.Q_NORM, i, hs) : null,
                qkNorm ? tensor(Tensor.K_NORM, i, hs) : null,
                linear(Tensor.O, null, i, c, q),
                tensor(Tensor.FFN_NORM, i, c),
                null,
                linear(Tensor.GATE, null, i, f, c),
                linear(Tensor.UP, null, i, f, c),
                linear(Tensor.DOWN, null, i, c, f)));
      }
      Parameter head = null;
      if (!config.tiedEmbeddings()) {
        String name = names.hf(Tensor.LM_HEAD);
        if (store.find(name).isEmpty()) {
          throw ModelFormatException.of(
              dir, "tensor '" + name + "' is missing and config.json does not tie embeddings");
        }
        head = tensor(name, config.vocabSize(), c);
      }
      return new ModelParameters(
          config,
          tensor(names.hf(Tensor.EMBED), config.vocabSize(), c),
          null,
          blocks,
          tensor(names.hf(Tensor.FINAL_NORM), c),
          null,
          head);
    }

    private ModelParameters gpt2() {
      int c = config.dim();
      int f = config.ffnDim();
      List<BlockParameters> blocks = new ArrayList<>();
      for (int i = 0; i < config.layers(); i++) {
        blocks.add(
            new BlockParameters(
                renamed(Tensor.ATTN_NORM, i, c),
                renamed(Tensor.ATTN_NORM_BIAS, i, c),
                null,
                null,
                null,
                conv1d(Tensor.QKV, Tensor.QKV_BIAS, i, 3 * c, c),
                null,
                null,
                conv1d(Tensor.O, Tensor.O_BIAS, i, c, c),
                renamed(Tensor.FFN_NORM, i, c),
                renamed(Tensor.FFN_NORM_BIAS, i, c),
                null,
                conv1d(Tensor.UP, Tensor.UP_BIAS, i, f, c),
                conv1d(Tensor.DOWN, Tensor.DOWN_BIAS, i, c, f)));
      }
      return new ModelParameters(
          config,
          renamed(Tensor.EMBED, -1, config.vocabSize(), c),
          renamed(Tensor.POSITIONS, -1, config.maxPositions(), c),
          blocks,
          renamed(Tensor.FINAL_NORM, -1, c),
          renamed(Tensor.FINAL_NORM_BIAS, -1, c),
          null);
    }

    /** Layer {@code layer}'s linear {@code weight}, with {@code bias} unless that is null. */
    private Linear linear(Tensor weight, Tensor bias, int layer, int out, int in) {
      return new Linear(
          names.module(weight, layer),
          tensor(names.hf(weight, layer), out, in),
          bias == null ? null : tensor(names.hf(bias, layer), out));
    }

    /** A GPT-2 Conv1D: stored [in, out], held as [out, in]. */
    private Linear conv1d(Tensor weight, Tensor bias, int layer, int out, int in) {
      return new Linear(
          names.module(weight, layer),
          tensor(names.hf(weight, layer), stored.hf(weight, layer), true, out, in),
          tensor(names.hf(bias, layer), stored.hf(bias, layer), false, out));
    }

    private Parameter tensor(Tensor t, int layer, int... shape) {
      return tensor(names.hf(t, layer), shape);
    }

    /**
     * A tensor held under its canonical name but read under the checkpoint's (GPT-2's bare
     * GPT2Model names; saved models always use the canonical ones). {@code layer} -1: a global.
     */
    private Parameter renamed(Tensor t, int layer, int... shape) {
      TensorNames.Named n = new TensorNames.Named(t, layer);
      return tensor(names.hf(n), stored.hf(n), false, shape);
    }

    private Parameter tensor(String name, int... shape) {
      return tensor(name, name, false, shape);
    }

    private Parameter tensor(String name, String storedName, boolean conv1d, int... shape) {
      Parameter p =
          new Parameter(
              name, new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)], conv1d, shape);
      TensorData t = store.get(storedName);
      if (!Arrays.equals(t.shape(), p.storedShape())) {
        throw ModelFormatException.of(
            dir,
            storedName,
            "has shape "
                + t.shapeString()
                + " but config.json implies "
                + Arrays.toString(p.storedShape()));
      }
      p.loadStored(t.toFloats());
      return p;
    }
  }
}
