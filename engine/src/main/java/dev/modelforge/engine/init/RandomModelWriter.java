package dev.modelforge.engine.init;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.FloatEncoding;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a Hugging Face model directory with seeded random weights (std 0.02 like the reference
 * initialisers by default, norms at 1): the stand-in for real checkpoints, which no test may
 * download. Each tensor has its own seed derived from its name, so the values do not depend on
 * write order.
 */
public final class RandomModelWriter {

  private double std = 0.02;

  private final ModelConfig config;
  private final long seed;
  private final DType dtype;
  private boolean perturbNorms;

  public RandomModelWriter(ModelConfig config, long seed, DType dtype) {
    if (dtype.isQuantized()) {
      throw new IllegalArgumentException("safetensors holds f32, f16 or bf16, not " + dtype);
    }
    this.config = config;
    this.seed = seed;
    this.dtype = dtype;
  }

  /**
   * Norm weights of 1 +- 0.1 and non-zero biases instead of the usual 1 and 0, so that numerical
   * tests notice a norm weight or bias that is read wrongly or not at all.
   */
  public RandomModelWriter perturbNorms() {
    this.perturbNorms = true;
    return this;
  }

  /**
   * Standard deviation of the random weights (default 0.02). Tests raise it so that a token's
   * logits depend strongly on its context, which a cache or attention bug must then change.
   */
  public RandomModelWriter initStd(double std) {
    this.std = std;
    return this;
  }

  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    SafetensorsWriter out = new SafetensorsWriter();
    if (config.architecture().isGpt2()) {
      addGpt2(out);
    } else {
      addLlamaFamily(out);
    }
    out.write(dir.resolve("model.safetensors"));
    ObjectMapper json = new ObjectMapper();
    json.writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve("config.json").toFile(), config.toJson());
    ObjectNode gen = json.createObjectNode();
    gen.put("do_sample", false);
    json.writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve("generation_config.json").toFile(), gen);
  }

  private void addLlamaFamily(SafetensorsWriter out) {
    int c = config.dim();
    int q = config.qDim();
    int kv = config.kvDim();
    int f = config.ffnDim();
    int v = config.vocabSize();
    random(out, "model.embed_tokens.weight", v, c);
    for (int i = 0; i < config.layers(); i++) {
      String p = "model.layers." + i + ".";
      ones(out, p + "input_layernorm.weight", c);
      random(out, p + "self_attn.q_proj.weight", q, c);
      random(out, p + "self_attn.k_proj.weight", kv, c);
      random(out, p + "self_attn.v_proj.weight", kv, c);
      if (config.qkvBias()) {
        random(out, p + "self_attn.q_proj.bias", q);
        random(out, p + "self_attn.k_proj.bias", kv);
        random(out, p + "self_attn.v_proj.bias", kv);
      }
      if (config.architecture().qkNorm()) {
        ones(out, p + "self_attn.q_norm.weight", config.headDim());
        ones(out, p + "self_attn.k_norm.weight", config.headDim());
      }
      random(out, p + "self_attn.o_proj.weight", c, q);
      ones(out, p + "post_attention_layernorm.weight", c);
      random(out, p + "mlp.gate_proj.weight", f, c);
      random(out, p + "mlp.up_proj.weight", f, c);
      random(out, p + "mlp.down_proj.weight", c, f);
    }
    ones(out, "model.norm.weight", c);
    if (!config.tiedEmbeddings()) {
      random(out, "lm_head.weight", v, c);
    }
  }

  private void addGpt2(SafetensorsWriter out) {
    int c = config.dim();
    int f = config.ffnDim();
    random(out, "transformer.wte.weight", config.vocabSize(), c);
    random(out, "transformer.wpe.weight", config.maxPositions(), c);
    for (int i = 0; i < config.layers(); i++) {
      String p = "transformer.h." + i + ".";
      ones(out, p + "ln_1.weight", c);
      zeros(out, p + "ln_1.bias", c);
      random(out, p + "attn.c_attn.weight", c, 3 * c);
      random(out, p + "attn.c_attn.bias", 3 * c);
      random(out, p + "attn.c_proj.weight", c, c);
      zeros(out, p + "attn.c_proj.bias", c);
      ones(out, p + "ln_2.weight", c);
      zeros(out, p + "ln_2.bias", c);
      random(out, p + "mlp.c_fc.weight", c, f);
      random(out, p + "mlp.c_fc.bias", f);
      random(out, p + "mlp.c_proj.weight", f, c);
      zeros(out, p + "mlp.c_proj.bias", c);
    }
    ones(out, "transformer.ln_f.weight", c);
    zeros(out, "transformer.ln_f.bias", c);
  }

  private void random(SafetensorsWriter out, String name, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    final int count = Math.toIntExact(n);
    final long tensorSeed = seed * 0x9E3779B97F4A7C15L + name.hashCode();
    final double halfWidth = std * Math.sqrt(3);
    out.addLazy(
        name,
        dtype,
        shape,
        () -> {
          SplittableRandom rng = new SplittableRandom(tensorSeed);
          // uniform with the standard deviation of N(0, std): cheap for a billion values
          float[] values = new float[count];
          for (int i = 0; i < count; i++) {
            values[i] = (float) ((rng.nextDouble() * 2 - 1) * halfWidth);
          }
          return FloatEncoding.encode(values, dtype);
        });
  }

  private void ones(SafetensorsWriter out, String name, int n) {
    constant(out, name, n, 1f);
  }

  private void zeros(SafetensorsWriter out, String name, int n) {
    constant(out, name, n, 0f);
  }

  private void constant(SafetensorsWriter out, String name, int n, float value) {
    final long tensorSeed = seed * 31 + name.hashCode();
    out.addLazy(
        name,
        dtype,
        new long[] {n},
        () -> {
          float[] values = filled(n, value);
          if (perturbNorms) {
            SplittableRandom rng = new SplittableRandom(tensorSeed);
            for (int i = 0; i < n; i++) {
              values[i] += (float) ((rng.nextDouble() * 2 - 1) * 0.1);
            }
          }
          return FloatEncoding.encode(values, dtype);
        });
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
