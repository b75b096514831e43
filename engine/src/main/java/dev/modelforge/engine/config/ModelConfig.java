package dev.modelforge.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The hyperparameters of a decoder model, read from a Hugging Face {@code config.json}. GPT-2's own
 * key names ({@code n_embd}, {@code n_layer}, ...) are mapped onto the common ones.
 *
 * @param dim model width C
 * @param layers number of transformer blocks L
 * @param heads query heads NH
 * @param kvHeads key/value heads KVH (GQA when fewer than NH)
 * @param headDim size of one head HS (usually C / NH; Qwen3 states it)
 * @param ffnDim hidden size of the MLP
 * @param vocabSize V
 * @param maxPositions context length
 * @param normEps epsilon of RMSNorm / LayerNorm
 * @param rope rotary embedding parameters (unused by GPT-2)
 * @param tiedEmbeddings the output head reuses the token embedding matrix
 * @param qkvBias q, k and v projections carry a bias
 * @param torchDtype the dtype the checkpoint declares (f32, f16, bf16)
 */
public record ModelConfig(
    Architecture architecture,
    int dim,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int ffnDim,
    int vocabSize,
    int maxPositions,
    float normEps,
    RopeConfig rope,
    boolean tiedEmbeddings,
    boolean qkvBias,
    String torchDtype) {

  public static final String FILE = "config.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Position tables hold maxPositions * HS / 2 floats in one array. */
  private static final long MAX_ROPE_TABLE = Integer.MAX_VALUE - 16;

  public ModelConfig {
    if (dim <= 0
        || layers <= 0
        || heads <= 0
        || kvHeads <= 0
        || headDim <= 0
        || ffnDim <= 0
        || vocabSize <= 0
        || maxPositions <= 0) {
      throw new ModelFormatException(
          String.format(
              "config: sizes must be positive, got dim %d, layers %d, heads %d, kv heads %d,"
                  + " head dim %d, FFN %d, vocab %d, context %d",
              dim, layers, heads, kvHeads, headDim, ffnDim, vocabSize, maxPositions));
    }
    if ((long) maxPositions * headDim / 2 > MAX_ROPE_TABLE) {
      throw new ModelFormatException(
          "config: context length "
              + maxPositions
              + " with head dim "
              + headDim
              + " is too large for the position tables");
    }
    if (heads % kvHeads != 0) {
      throw new ModelFormatException(
          "config: " + heads + " attention heads are not a multiple of " + kvHeads + " KV heads");
    }
    if (headDim % 2 != 0 && !architecture.isGpt2()) {
      throw new ModelFormatException("config: head dim " + headDim + " must be even for RoPE");
    }
  }

  /** Width of the concatenated query heads, NH * HS. */
  public int qDim() {
    return heads * headDim;
  }

  /** Width of the concatenated key (or value) heads, KVH * HS. */
  public int kvDim() {
    return kvHeads * headDim;
  }

  public static ModelConfig read(Path modelDir) {
    Path file = modelDir.resolve(FILE);
    if (!Files.exists(file)) {
      throw ModelFormatException.of(modelDir, "has no " + FILE + "; is it a model directory?");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw ModelFormatException.of(file, "is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw ModelFormatException.of(file, "is not a JSON object");
    }
    try {
      return parse(root);
    } catch (ModelFormatException e) {
      throw ModelFormatException.of(file, e.getMessage());
    }
  }

  public static ModelConfig parse(JsonNode c) {
    Architecture arch = null;
    JsonNode archs = c.get("architectures");
    if (archs != null && archs.isArray() && !archs.isEmpty()) {
      arch = Architecture.fromHf(archs.get(0).asText());
    }
    if (arch == null && c.hasNonNull("model_type")) {
      arch = Architecture.fromHf(c.get("model_type").asText());
    }
    if (arch == null) {
      throw new ModelFormatException(
          "architecture "
              + (archs != null ? archs : c.get("model_type"))
              + " is not supported (supported: LlamaForCausalLM, MistralForCausalLM,"
              + " Qwen2ForCausalLM, Qwen3ForCausalLM, GPT2LMHeadModel)");
    }
    if (arch.isGpt2()) {
      int dim = requireInt(c, "n_embd");
      int heads = requirePositiveInt(c, "n_head");
      return new ModelConfig(
          arch,
          dim,
          requireInt(c, "n_layer"),
          heads,
          heads,
          dim / heads,
          c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * dim,
          requireInt(c, "vocab_size"),
          c.path("n_positions").asInt(1024),
          (float) c.path("layer_norm_epsilon").asDouble(1e-5),
          RopeConfig.NONE,
          c.path("tie_word_embeddings").asBoolean(true),
          true,
          dtypeOf(c));
    }
    int dim = requireInt(c, "hidden_size");
    int heads = requirePositiveInt(c, "num_attention_heads");
    int kvHeads = c.path("num_key_value_heads").asInt(heads);
    int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : dim / heads;
    boolean qkvBias = c.path("attention_bias").asBoolean(arch.defaultQkvBias());
    return new ModelConfig(
        arch,
        dim,
        requireInt(c, "num_hidden_layers"),
        heads,
        kvHeads,
        headDim,
        requireInt(c, "intermediate_size"),
        requireInt(c, "vocab_size"),
        c.path("max_position_embeddings").asInt(2048),
        (float) c.path("rms_norm_eps").asDouble(1e-6),
        RopeConfig.parse(c, headDim),
        c.path("tie_word_embeddings").asBoolean(false),
        qkvBias,
        dtypeOf(c));
  }

  private static String dtypeOf(JsonNode c) {
    String d =
        c.hasNonNull("torch_dtype")
            ? c.get("torch_dtype").asText()
            : c.path("dtype").asText("float32");
    return DType.parse(d).filter(t -> !t.isQuantized()).orElse(DType.F32).shortName();
  }

  /** A divisor: zero would surface as an ArithmeticException instead of this message. */
  private static int requirePositiveInt(JsonNode c, String key) {
    int v = requireInt(c, key);
    if (v <= 0) {
      throw new ModelFormatException("key '" + key + "' is " + v + "; it must be positive");
    }
    return v;
  }

  private static int requireInt(JsonNode c, String key) {
    JsonNode v = c.get(key);
    if (v == null || !v.canConvertToInt()) {
      throw new ModelFormatException("key '" + key + "' is missing or not an integer");
    }
    return v.asInt();
  }

  /** The config.json a Hugging Face loader would accept for this model. */
  public ObjectNode toJson() {
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add(architecture.hfClass());
    c.put("model_type", architecture.modelType());
    c.put(
        "torch_dtype",
        DType.parse(torchDtype).filter(t -> !t.isQuantized()).orElse(DType.F32).hfName());
    c.put("vocab_size", vocabSize);
    c.put("tie_word_embeddings", tiedEmbeddings);
    if (architecture.isGpt2()) {
      c.put("n_embd", dim);
      c.put("n_layer", layers);
      c.put("n_head", heads);
      c.put("n_inner", ffnDim);
      c.put("n_positions", maxPositions);
      c.put("n_ctx", maxPositions);
      c.put("layer_norm_epsilon", normEps);
      c.put("activation_function", "gelu_new");
      return c;
    }
    c.put("hidden_size", dim);
    c.put("num_hidden_layers", layers);
    c.put("num_attention_heads", heads);
    c.put("num_key_value_heads", kvHeads);
    c.put("head_dim", headDim);
    c.put("intermediate_size", ffnDim);
    c.put("max_position_embeddings", maxPositions);
    c.put("rms_norm_eps", normEps);
    c.put("hidden_act", "silu");
    c.put("attention_bias", qkvBias);
    rope.writeTo(c);
    return c;
  }
}
