package dev.modelforge.engine.lora;

import static dev.modelforge.engine.testing.Check.checkTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.model.Batch;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LoRA at inference checked against the same update merged into the base weights. */
class LoraInferenceTest {

  private static final int RANK = 4;
  private static final float ALPHA = 8;
  private static Parallel pool;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    pool = new Parallel(2);
  }

  @AfterAll
  static void stop() {
    pool.close();
  }

  /** Module paths (without prefix) and {in, out} of every adaptable layer. */
  private static List<Object[]> modules(ModelConfig c, int layer) {
    if (c.architecture().isGpt2()) {
      String p = "transformer.h." + layer + ".";
      return List.of(
          new Object[] {p + "attn.c_attn", c.dim(), 3 * c.dim()},
          new Object[] {p + "attn.c_proj", c.dim(), c.dim()},
          new Object[] {p + "mlp.c_fc", c.dim(), c.ffnDim()},
          new Object[] {p + "mlp.c_proj", c.ffnDim(), c.dim()});
    }
    String p = "model.layers." + layer + ".";
    return List.of(
        new Object[] {p + "self_attn.q_proj", c.dim(), c.qDim()},
        new Object[] {p + "self_attn.k_proj", c.dim(), c.kvDim()},
        new Object[] {p + "self_attn.v_proj", c.dim(), c.kvDim()},
        new Object[] {p + "self_attn.o_proj", c.qDim(), c.dim()},
        new Object[] {p + "mlp.gate_proj", c.dim(), c.ffnDim()},
        new Object[] {p + "mlp.up_proj", c.dim(), c.ffnDim()},
        new Object[] {p + "mlp.down_proj", c.ffnDim(), c.dim()});
  }

  /**
   * Writes a random PEFT adapter for {@code base} and a copy of the base model with the same update
   * merged in ({@code W += alpha/r * B A}); returns {adapterDir, mergedDir}.
   */
  private Path[] writeAdapterAndMerged(Path baseDir, ModelConfig c) throws IOException {
    Path adapterDir = Files.createDirectories(tmp.resolve("adapter"));
    Path mergedDir = Files.createDirectories(tmp.resolve("merged"));
    Random rng = new Random(3);
    SafetensorsWriter adapter = new SafetensorsWriter();
    SafetensorsWriter merged = new SafetensorsWriter();
    float scaling = ALPHA / RANK;
    try (SafetensorsStore store = SafetensorsStore.open(baseDir)) {
      java.util.Map<String, float[]> weights = new java.util.LinkedHashMap<>();
      java.util.Map<String, long[]> shapes = new java.util.HashMap<>();
      for (String name : store.names()) {
        TensorData t = store.get(name);
        weights.put(name, t.toFloats());
        shapes.put(name, t.shape());
      }
      for (int l = 0; l < c.layers(); l++) {
        for (Object[] m : modules(c, l)) {
          String module = (String) m[0];
          int in = (int) m[1];
          int out = (int) m[2];
          float[] a = new float[RANK * in];
          float[] b = new float[out * RANK];
          for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rng.nextGaussian() * 0.1);
          }
          for (int i = 0; i < b.length; i++) {
            b[i] = (float) (rng.nextGaussian() * 0.1);
          }
          adapter.addF32("base_model.model." + module + ".lora_A.weight", new long[] {RANK, in}, a);
          adapter.addF32(
              "base_model.model." + module + ".lora_B.weight", new long[] {out, RANK}, b);
          float[] w = weights.get(module + ".weight");
          boolean conv1d = c.architecture().isGpt2(); // [in, out]
          for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
              float delta = 0;
              for (int r = 0; r < RANK; r++) {
                delta += b[o * RANK + r] * a[r * in + i];
              }
              w[conv1d ? i * out + o : o * in + i] += scaling * delta;
            }
          }
        }
      }
      weights.forEach((name, values) -> merged.addF32(name, shapes.get(name), values));
    }
    adapter.write(adapterDir.resolve("adapter_model.safetensors"));
    merged.write(mergedDir.resolve("model.safetensors"));
    Files.copy(baseDir.resolve("config.json"), mergedDir.resolve("config.json"));
    ObjectNode cfg = new ObjectMapper().createObjectNode();
    cfg.put("peft_type", "LORA")
        .put("r", RANK)
        .put("lora_alpha", ALPHA)
        .put("task_type", "CAUSAL_LM");
    new ObjectMapper().writeValue(adapterDir.resolve("adapter_config.json").toFile(), cfg);
    return new Path[] {adapterDir, mergedDir};
  }

  private static float[] logits(DecoderModel model, int[] tokens, LoraAdapter adapter) {
    InferenceState s = model.newScoringState(tokens.length, pool);
    KvCache cache = model.newCache(tokens.length);
    Batch b = new Batch(tokens.length, tokens.length);
    for (int t = 0; t < tokens.length; t++) {
      b.add(tokens[t], t, cache, true, adapter);
    }
    return model.forward(s, b).clone();
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "qwen3", "gpt2"})
  void anAdapterGivesTheLogitsOfItsMergedWeights(String kind) throws IOException {
    ModelConfig c = TestModels.config(kind);
    Path baseDir = TestModels.write(tmp.resolve("base"), c, DType.F32, 41);
    Path[] dirs = writeAdapterAndMerged(baseDir, c);
    int[] tokens = {3, 14, 15, 92, 65, 35, 89, 79};

    try (LoadedModel base = LoadedModel.open(baseDir, null);
        LoadedModel merged = LoadedModel.open(dirs[1], null)) {
      LoraAdapter adapter = LoraAdapter.load("test", dirs[0], base.config());
      float[] withAdapter = logits(base.model(), tokens, adapter);
      float[] expected = logits(merged.model(), tokens, null);
      float[] plain = logits(base.model(), tokens, null);

      checkTensor(withAdapter, expected, 1e-4, kind + " adapter vs merged");
      double diff = 0;
      for (int i = 0; i < plain.length; i++) {
        diff = Math.max(diff, Math.abs(plain[i] - expected[i]));
      }
      assertThat(diff).as("the adapter changes the logits").isGreaterThan(1e-2);
    }
  }

  @Test
  void oneBatchMixesTheBaseAndAnAdapter() throws IOException {
    ModelConfig c = TestModels.config("qwen2");
    Path baseDir = TestModels.write(tmp.resolve("base"), c, DType.F32, 43);
    Path[] dirs = writeAdapterAndMerged(baseDir, c);
    int[] a = {5, 6, 7, 8, 9};
    int[] b = {50, 60, 70};

    try (LoadedModel base = LoadedModel.open(baseDir, null)) {
      LoraAdapter adapter = LoraAdapter.load("test", dirs[0], base.config());
      DecoderModel m = base.model();
      InferenceState s = m.newBatchState(8, 2, pool);
      Batch batch = new Batch(8, 2);
      KvCache ca = m.newCache(8);
      KvCache cb = m.newCache(8);
      for (int t = 0; t < a.length; t++) {
        batch.add(a[t], t, ca, t == a.length - 1, adapter);
      }
      for (int t = 0; t < b.length; t++) {
        batch.add(b[t], t, cb, t == b.length - 1, null);
      }
      float[] mixed = m.forward(s, batch).clone();

      int v = c.vocabSize();
      float[] aAlone = logits(m, a, adapter);
      float[] bAlone = logits(m, b, null);
      checkTensor(
          mixed, 0, aAlone, (a.length - 1) * v, v, 1e-5, "adapter sequence in a mixed batch");
      checkTensor(mixed, v, bAlone, (b.length - 1) * v, v, 1e-5, "base sequence in a mixed batch");
    }
  }

  @Test
  void anAdapterForAnotherShapeIsRefusedWithTheTensorNamed() throws IOException {
    ModelConfig small = TestModels.config("llama-gqa");
    Path baseDir = TestModels.write(tmp.resolve("base"), small, DType.F32, 47);
    Path[] dirs = writeAdapterAndMerged(baseDir, small);

    assertThatThrownBy(() -> LoraAdapter.load("x", dirs[0], TestModels.config("qwen3")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("lora_")
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> LoraAdapter.load("x", tmp.resolve("nowhere"), small))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("adapter_config.json");
  }
}
