package dev.modelforge.engine.init;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.TensorNames;
import dev.modelforge.engine.config.TensorNames.Tensor;
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
    TensorNames names = TensorNames.of(config.architecture());
    int c = config.dim();
    int q = config.qDim();
    int kv = config.kvDim();
    int f = config.ffnDim();
    int v = config.vocabSize();
    random(out, names.hf(Tensor.EMBED), v, c);
    for (int i = 0; i < config.layers(); i++) {
      ones(out, names.hf(Tensor.ATTN_NORM, i), c);
      random(out, names.hf(Tensor.Q, i), q, c);
      random(out, names.hf(Tensor.K, i), kv, c);
      random(out, names.hf(Tensor.V, i), kv, c);
      if (config.qkvBias()) {
        random(out, names.hf(Tensor.Q_BIAS, i), q);
        random(out, names.hf(Tensor.K_BIAS, i), kv);
        random(out, names.hf(Tensor.V_BIAS, i), kv);
      }
      if (config.architecture().qkNorm()) {
        ones(out, names.hf(Tensor.Q_NORM, i), config.headDim());
        ones(out, names.hf(Tensor.K_NORM, i), config.headDim());
      }
      random(out, names.hf(Tensor.O, i), c, q);
      ones(out, names.hf(Tensor.FFN_NORM, i), c);
      random(out, names.hf(Tensor.GATE, i), f, c);
      random(out, names.hf(Tensor.UP, i), f, c);
      random(out, names.hf(Tensor.DOWN, i), c, f);
    }
    ones(out, names.hf(Tensor.FINAL_NORM), c);
    if (!config.tiedEmbeddings()) {
      random(out, names.hf(Tensor.LM_HEAD), v, c);
    }
  }

  private void addGpt2(SafetensorsWriter out) {
    TensorNames names = TensorNames.of(config.architecture());
    int c = config.dim();
    int f = config.ffnDim();
    random(out, names.hf(Tensor.EMBED), config.vocabSize(), c);
    random(out, names.hf(Tensor.POSITIONS), config.maxPositions(), c);
    for (int i = 0; i < config.layers(); i++) {
      ones(out, names.hf(Tensor.ATTN_NORM, i), c);
      zeros(out, names.hf(Tensor.ATTN_NORM_BIAS, i), c);
      random(out, names.hf(Tensor.QKV, i), c, 3 * c);
      random(out, names.hf(Tensor.QKV_BIAS, i), 3 * c);
      random(out, names.hf(Tensor.O, i), c, c);
      zeros(out, names.hf(Tensor.O_BIAS, i), c);
      ones(out, names.hf(Tensor.FFN_NORM, i), c);
      zeros(out, names.hf(Tensor.FFN_NORM_BIAS, i), c);
      random(out, names.hf(Tensor.UP, i), c, f);
      random(out, names.hf(Tensor.UP_BIAS, i), f);
      random(out, names.hf(Tensor.DOWN, i), f, c);
      zeros(out, names.hf(Tensor.DOWN_BIAS, i), c);
    }
    ones(out, names.hf(Tensor.FINAL_NORM), c);
    zeros(out, names.hf(Tensor.FINAL_NORM_BIAS), c);
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
