package dev.modelforge.engine.train;

import dev.modelforge.engine.config.ModelConfig;
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
  private record Reader(ModelConfig config, SafetensorsStore store, Path dir) {

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
        String p = "model.layers." + i + ".";
        blocks.add(
            new BlockParameters(
                tensor(p + "input_layernorm.weight", c),
                null,
                linear(p + "self_attn.q_proj", q, c, bias),
                linear(p + "self_attn.k_proj", kv, c, bias),
                linear(p + "self_attn.v_proj", kv, c, bias),
                null,
                qkNorm ? tensor(p + "self_attn.q_norm.weight", hs) : null,
                qkNorm ? tensor(p + "self_attn.k_norm.weight", hs) : null,
                linear(p + "self_attn.o_proj", c, q, false),
                tensor(p + "post_attention_layernorm.weight", c),
                null,
                linear(p + "mlp.gate_proj", f, c, false),
                linear(p + "mlp.up_proj", f, c, false),
                linear(p + "mlp.down_proj", c, f, false)));
      }
      Parameter head = null;
      if (!config.tiedEmbeddings()) {
        if (store.find("lm_head.weight").isEmpty()) {
          throw ModelFormatException.of(
              dir, "tensor 'lm_head.weight' is missing and config.json does not tie embeddings");
        }
        head = tensor("lm_head.weight", config.vocabSize(), c);
      }
      return new ModelParameters(
          config,
          tensor("model.embed_tokens.weight", config.vocabSize(), c),
          null,
          blocks,
          tensor("model.norm.weight", c),
          null,
          head);
    }

    private ModelParameters gpt2() {
      // Saved models always use the "transformer." prefix; some checkpoints have none.
      String stored = store.names().contains("transformer.wte.weight") ? "transformer." : "";
      int c = config.dim();
      int f = config.ffnDim();
      List<BlockParameters> blocks = new ArrayList<>();
      for (int i = 0; i < config.layers(); i++) {
        String p = "transformer.h." + i + ".";
        String s = stored + "h." + i + ".";
        blocks.add(
            new BlockParameters(
                tensor(p + "ln_1.weight", s + "ln_1.weight", false, c),
                tensor(p + "ln_1.bias", s + "ln_1.bias", false, c),
                null,
                null,
                null,
                conv1d(p + "attn.c_attn", s + "attn.c_attn", 3 * c, c),
                null,
                null,
                conv1d(p + "attn.c_proj", s + "attn.c_proj", c, c),
                tensor(p + "ln_2.weight", s + "ln_2.weight", false, c),
                tensor(p + "ln_2.bias", s + "ln_2.bias", false, c),
                null,
                conv1d(p + "mlp.c_fc", s + "mlp.c_fc", f, c),
                conv1d(p + "mlp.c_proj", s + "mlp.c_proj", c, f)));
      }
      return new ModelParameters(
          config,
          tensor("transformer.wte.weight", stored + "wte.weight", false, config.vocabSize(), c),
          tensor("transformer.wpe.weight", stored + "wpe.weight", false, config.maxPositions(), c),
          blocks,
          tensor("transformer.ln_f.weight", stored + "ln_f.weight", false, c),
          tensor("transformer.ln_f.bias", stored + "ln_f.bias", false, c),
          null);
    }

    private Linear linear(String module, int out, int in, boolean bias) {
      return new Linear(
          module, tensor(module + ".weight", out, in), bias ? tensor(module + ".bias", out) : null);
    }

    /** A GPT-2 Conv1D: stored [in, out], held as [out, in]. */
    private Linear conv1d(String module, String storedModule, int out, int in) {
      return new Linear(
          module,
          tensor(module + ".weight", storedModule + ".weight", true, out, in),
          tensor(module + ".bias", storedModule + ".bias", false, out));
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
