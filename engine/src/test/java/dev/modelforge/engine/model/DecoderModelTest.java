package dev.modelforge.engine.model;

import static dev.modelforge.engine.testing.Check.checkTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecoderModelTest {

  private static Parallel pool;
  @TempDir Path dir;

  @BeforeAll
  static void startPool() {
    pool = new Parallel(2);
  }

  @AfterAll
  static void stopPool() {
    pool.close();
  }

  private static int[] randomTokens(int n, int vocab, long seed) {
    Random r = new Random(seed);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = r.nextInt(vocab);
    }
    return t;
  }

  private static float[] allLogits(DecoderModel model, int[] tokens) {
    InferenceState s = model.newScoringState(tokens.length, pool);
    KvCache cache = model.newCache(tokens.length);
    return model.forward(s, cache, tokens, 0, tokens.length, 0, true).clone();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "llama-gqa",
        "llama-head64",
        "llama3-rope-scaling",
        "mistral",
        "qwen2",
        "qwen3",
        "gpt2"
      })
  void forwardMatchesThePlainReference(String kind) {
    ModelConfig config = TestModels.config(kind);
    TestModels.write(dir, config, DType.F32, 7);
    int[] tokens = randomTokens(13, config.vocabSize(), 1);

    try (LoadedModel loaded = LoadedModel.open(dir, null);
        SafetensorsStore store = SafetensorsStore.open(dir)) {
      float[] actual = allLogits(loaded.model(), tokens);
      float[][] expected = new ReferenceDecoder(loaded.config(), store).logits(tokens);

      int v = config.vocabSize();
      for (int t = 0; t < tokens.length; t++) {
        checkTensor(actual, t * v, expected[t], 0, v, 1e-4, kind + " logits at position " + t);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "llama-head64", "qwen2", "qwen3", "gpt2"})
  void incrementalDecodingWithTheCacheEqualsFullRecompute(String kind) {
    ModelConfig config = TestModels.config(kind);
    TestModels.write(dir, config, DType.F32, 11);
    int[] tokens = randomTokens(20, config.vocabSize(), 2);

    try (LoadedModel loaded = LoadedModel.open(dir, null)) {
      DecoderModel model = loaded.model();
      float[] full = allLogits(model, tokens);

      InferenceState s = model.newState(1, pool);
      KvCache cache = model.newCache(tokens.length);
      int v = config.vocabSize();
      for (int t = 0; t < tokens.length; t++) {
        float[] step = model.forward(s, cache, tokens, t, 1, t, false);
        checkTensor(step, 0, full, t * v, v, 1e-5, kind + " incremental logits at " + t);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 7})
  void chunkedPrefillGivesTheSameLastLogits(int chunk) {
    ModelConfig config = TestModels.config("llama-gqa");
    TestModels.write(dir, config, DType.F32, 5);
    int[] tokens = randomTokens(17, config.vocabSize(), 3);

    try (LoadedModel loaded = LoadedModel.open(dir, null)) {
      DecoderModel model = loaded.model();
      float[] full = allLogits(model, tokens);
      float[] chunked =
          model.forward(model.newState(chunk, pool), model.newCache(32), tokens, 0, 17, 0, false);

      int v = config.vocabSize();
      checkTensor(chunked, 0, full, 16 * v, v, 1e-5, "chunk " + chunk);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"BF16", "F16"})
  void halfPrecisionCheckpointsMatchTheReferenceOnTheSameWeights(String dtype) {
    ModelConfig config = TestModels.config("qwen2");
    TestModels.write(dir, config, DType.valueOf(dtype), 9);
    int[] tokens = randomTokens(9, config.vocabSize(), 4);

    try (LoadedModel loaded = LoadedModel.open(dir, null);
        SafetensorsStore store = SafetensorsStore.open(dir)) {
      float[] actual = allLogits(loaded.model(), tokens);
      float[][] expected = new ReferenceDecoder(loaded.config(), store).logits(tokens);

      int v = config.vocabSize();
      checkTensor(actual, 8 * v, expected[8], 0, v, 1e-4, dtype + " logits");
    }
  }

  /**
   * Re-encoding error budget: BF16 (serve --dtype bfloat16) and Q8_0 keep logits within 2% of their
   * spread and Q4_0 within 15%.
   */
  @ParameterizedTest
  @ValueSource(strings = {"BF16", "Q8_0", "Q4_0"})
  void quantizedWeightsStayCloseToF32(String type) {
    ModelConfig config = TestModels.config("llama-gqa");
    TestModels.write(dir, config, DType.F32, 21);
    int[] tokens = randomTokens(8, config.vocabSize(), 5);
    float[] exact;
    try (LoadedModel f32 = LoadedModel.open(dir, null)) {
      exact = allLogits(f32.model(), tokens);
    }

    try (LoadedModel q = LoadedModel.open(dir, DType.valueOf(type))) {
      assertThat(q.model().weights().layers().get(0).wq().dtype()).isEqualTo(DType.valueOf(type));
      float[] approx = allLogits(q.model(), tokens);

      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      double worst = 0;
      for (int i = 0; i < exact.length; i++) {
        min = Math.min(min, exact[i]);
        max = Math.max(max, exact[i]);
        worst = Math.max(worst, Math.abs(exact[i] - approx[i]));
      }
      double budget = type.equals("Q4_0") ? 0.15 : 0.02;
      assertThat(worst / (max - min))
          .as("worst error relative to the logit spread")
          .isLessThan(budget);
    }
  }

  @Test
  void bf16WeightsWidenBackToF32AndF16IsRefused() {
    ModelConfig config = TestModels.config("llama-gqa");
    TestModels.write(dir, config, DType.BF16, 22);
    try (LoadedModel wide = LoadedModel.open(dir, DType.F32);
        LoadedModel stored = LoadedModel.open(dir, null)) {
      assertThat(wide.model().weights().layers().get(0).wq().dtype()).isEqualTo(DType.F32);
      int[] tokens = randomTokens(4, config.vocabSize(), 6);
      // Widening BF16 is exact, so the logits agree to rounding in the accumulation order.
      float[] a = allLogits(wide.model(), tokens);
      float[] b = allLogits(stored.model(), tokens);
      for (int i = 0; i < a.length; i++) {
        assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-3f));
      }
    }
    assertThatThrownBy(() -> LoadedModel.open(dir, DType.F16))
        .hasMessageContaining("cannot be re-encoded as F16");
  }
}
