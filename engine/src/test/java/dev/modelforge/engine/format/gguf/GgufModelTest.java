package dev.modelforge.engine.format.gguf;

import static dev.modelforge.engine.testing.Check.checkTensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.LlamaCppVocabulary;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** HF directory → GGUF → engine must run the same model as the HF directory itself. */
class GgufModelTest {

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

  private static float[] allLogits(LoadedModel loaded, int[] tokens) {
    DecoderModel model = loaded.model();
    return model
        .forward(
            model.newScoringState(tokens.length, pool),
            model.newCache(tokens.length),
            tokens,
            0,
            tokens.length,
            0,
            true)
        .clone();
  }

  private Path hfModel(String kind, DType dtype) {
    return TestModels.write(dir.resolve(kind), TestModels.config(kind), dtype, 17);
  }

  @ParameterizedTest
  @CsvSource({
    "llama-gqa, F32",
    "llama3-rope-scaling, F32",
    "mistral, F32",
    "qwen2, F32",
    "qwen3, F32",
    "gpt2, F32",
    "llama-gqa, F16",
    "qwen2, BF16",
    "gpt2, F16"
  })
  void ggufGivesTheSameLogitsAsTheHfDirectory(String kind, DType dtype) throws IOException {
    Path hf = hfModel(kind, dtype);
    Path gguf = dir.resolve(kind + ".gguf");
    GgufModelWriter.convertDirectory(hf, null, gguf);
    int[] tokens = randomTokens(11, TestModels.config(kind).vocabSize(), 3);

    float[] expected;
    try (LoadedModel fromHf = LoadedModel.open(hf)) {
      expected = allLogits(fromHf, tokens);
    }
    try (LoadedModel fromGguf = LoadedModel.open(gguf)) {
      checkTensor(allLogits(fromGguf, tokens), expected, 1e-5, kind + " " + dtype + " logits");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "llama-gqa, Q8_0",
    "mistral, Q8_0",
    "qwen2, Q8_0",
    "qwen3, Q8_0",
    "gpt2, Q8_0",
    "llama-gqa, Q4_0",
    "gpt2, Q4_0"
  })
  void quantizedGgufEqualsQuantizingTheHfDirectoryOnLoadAndATiedEmbeddingTakesTheBlockType(
      String kind, DType type) throws IOException {
    Path hf = hfModel(kind, DType.F32);
    Path gguf = dir.resolve(kind + "-" + type + ".gguf");
    GgufModelWriter.convertDirectory(hf, type, gguf);
    int[] tokens = randomTokens(9, TestModels.config(kind).vocabSize(), 4);

    float[] expected;
    try (LoadedModel quantizedOnLoad = LoadedModel.open(hf, type)) {
      expected = allLogits(quantizedOnLoad, tokens);
    }
    boolean tied = TestModels.config(kind).tiedEmbeddings();
    try (LoadedModel fromGguf = LoadedModel.open(gguf)) {
      var weights = fromGguf.model().weights();
      assertThat(weights.layers().get(0).wq().dtype()).isEqualTo(type);
      assertThat(weights.lmHead().dtype()).isEqualTo(type);
      if (tied) {
        // its values are held by the conformance suite: Transformers on the same file
        assertThat(weights.lmHead())
            .as("a tied head multiplies by token_embd as the file stores it, as llama.cpp does")
            .isSameAs(weights.tokenEmbedding());
      } else {
        checkTensor(allLogits(fromGguf, tokens), expected, 1e-5, kind + " " + type + " logits");
      }
    }
    if (!tied) {
      try (LoadedModel requantized = LoadedModel.open(gguf, type)) {
        checkTensor(
            allLogits(requantized, tokens),
            expected,
            1e-5,
            kind + " " + type + " --quantize logits");
      }
    }
    try (GgufStore file = GgufStore.open(gguf)) {
      assertThat(file.get("blk.0.ffn_down.weight").dtype()).isEqualTo(type);
      assertThat(file.get(LlamaCppNames.TOKEN_EMBEDDING).dtype())
          .as(
              "an embedding is looked up by row and stays exact, unless tied: then it is the"
                  + " output matrix too and takes the block type, as llama.cpp's converter writes")
          .isEqualTo(tied ? type : DType.F32);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "gpt2"})
  void quantizingAnF32GgufOnLoadEqualsQuantizingTheHfDirectory(String kind) throws IOException {
    Path hf = hfModel(kind, DType.F32);
    Path gguf = dir.resolve(kind + ".gguf");
    GgufModelWriter.convertDirectory(hf, null, gguf);
    int[] tokens = randomTokens(7, TestModels.config(kind).vocabSize(), 5);

    float[] expected;
    try (LoadedModel quantizedOnLoad = LoadedModel.open(hf, DType.Q4_0)) {
      expected = allLogits(quantizedOnLoad, tokens);
    }
    try (LoadedModel fromGguf = LoadedModel.open(gguf, DType.Q4_0)) {
      assertThat(fromGguf.model().weights().layers().get(0).wDown().dtype()).isEqualTo(DType.Q4_0);
      checkTensor(allLogits(fromGguf, tokens), expected, 1e-5, kind + " Q4_0 on load");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "llama3-rope-scaling", "qwen2", "qwen3", "gpt2"})
  void configRoundTripsThroughTheMetadata(String kind) throws IOException {
    ModelConfig config = TestModels.config(kind);
    Path gguf = dir.resolve(kind + ".gguf");
    GgufModelWriter.convertDirectory(hfModel(kind, DType.F32), null, gguf);

    try (GgufModel model = GgufModel.open(gguf)) {
      assertThat(model.config()).isEqualTo(config);
    }
  }

  @Test
  void mistralIsWrittenAsLlamaLikeConvertHfToGguf() throws IOException {
    Path gguf = dir.resolve("mistral.gguf");
    GgufModelWriter.convertDirectory(hfModel("mistral", DType.F32), null, gguf);

    try (GgufModel model = GgufModel.open(gguf)) {
      assertThat(model.gguf().metadata().getString("general.architecture")).isEqualTo("llama");
      assertThat(model.config().architecture()).isEqualTo(Architecture.LLAMA);
      assertThat(model.config().kvHeads()).isEqualTo(2);
    }
  }

  @Test
  void qwen2FileUsesLlamaCppNamesAndKeys() throws IOException {
    ModelConfig config = TestModels.config("qwen2");
    Path gguf = dir.resolve("qwen2.gguf");
    GgufModelWriter.convertDirectory(hfModel("qwen2", DType.F32), DType.Q8_0, gguf);

    try (GgufStore file = GgufStore.open(gguf)) {
      GgufMetadata meta = file.metadata();
      assertThat(meta.getString("general.architecture")).isEqualTo("qwen2");
      assertThat(meta.getLong("general.file_type")).isEqualTo(7); // MOSTLY_Q8_0
      assertThat(meta.getLong("qwen2.block_count")).isEqualTo(config.layers());
      assertThat(meta.getLong("qwen2.embedding_length")).isEqualTo(config.dim());
      assertThat(meta.getLong("qwen2.feed_forward_length")).isEqualTo(config.ffnDim());
      assertThat(meta.getLong("qwen2.attention.head_count")).isEqualTo(config.heads());
      assertThat(meta.getLong("qwen2.attention.head_count_kv")).isEqualTo(config.kvHeads());
      assertThat(meta.getDouble("qwen2.attention.layer_norm_rms_epsilon"))
          .isEqualTo(config.normEps());
      assertThat(meta.getDouble("qwen2.rope.freq_base")).isEqualTo(10000);
      assertThat(file.names())
          .contains(
              "token_embd.weight",
              "blk.1.attn_norm.weight",
              "blk.1.attn_q.weight",
              "blk.1.attn_q.bias",
              "blk.1.attn_k.bias",
              "blk.1.attn_v.bias",
              "blk.1.attn_output.weight",
              "blk.1.ffn_norm.weight",
              "blk.1.ffn_gate.weight",
              "blk.1.ffn_up.weight",
              "blk.1.ffn_down.weight",
              "output_norm.weight")
          .doesNotContain("output.weight"); // tied embeddings
      assertThat(file.file().tensorInfos().get(0).dims())
          .as("token_embd dims, row length first")
          .containsExactly(config.dim(), config.vocabSize());
    }
  }

  @Test
  void gpt2FileHoldsFusedQkvAsOutByIn() throws IOException {
    ModelConfig config = TestModels.config("gpt2");
    Path hf = hfModel("gpt2", DType.F32);
    Path gguf = dir.resolve("gpt2.gguf");
    GgufModelWriter.convertDirectory(hf, null, gguf);

    try (GgufStore file = GgufStore.open(gguf);
        SafetensorsStore hfStore = SafetensorsStore.open(hf)) {
      int c = config.dim();
      TensorData qkv = file.get("blk.0.attn_qkv.weight");
      assertThat(qkv.shape()).containsExactly(3L * c, c);
      float[] conv1d = hfStore.get("transformer.h.0.attn.c_attn.weight").toFloats();
      float[] linear = qkv.toFloats();
      assertThat(linear[5 * c + 7]).as("[out 5, in 7]").isEqualTo(conv1d[7 * 3 * c + 5]);
      assertThat(file.names())
          .contains("position_embd.weight", "output_norm.bias", "blk.0.ffn_up.bias");
      assertThat(file.metadata().getDouble("gpt2.attention.layer_norm_epsilon"))
          .isEqualTo(config.normEps());
    }
  }

  @Test
  void llamaFileHoldsQkRowsInterleavedAndTheOtherRowsUnchanged() throws IOException {
    ModelConfig config = TestModels.config("llama-gqa");
    Path hf = hfModel("llama-gqa", DType.F32);
    Path gguf = dir.resolve("llama.gguf");
    GgufModelWriter.convertDirectory(hf, null, gguf);

    try (GgufStore file = GgufStore.open(gguf);
        SafetensorsStore hfStore = SafetensorsStore.open(hf)) {
      long rowBytes = 4L * config.dim();
      TensorData hfK = hfStore.get("model.layers.1.self_attn.k_proj.weight");
      TensorData ggufK = file.get("blk.1.attn_k.weight");
      assertThat(ggufK.bytes().mismatch(hfK.bytes())).as("k rows moved").isNotEqualTo(-1);
      assertThat(
              ggufK
                  .bytes()
                  .mismatch(QkPermutation.toInterleaved(hfK.bytes(), config.kvHeads(), rowBytes)))
          .isEqualTo(-1);
      assertThat(
              file.get("blk.1.attn_v.weight")
                  .bytes()
                  .mismatch(hfStore.get("model.layers.1.self_attn.v_proj.weight").bytes()))
          .isEqualTo(-1);
      assertThat(file.names()).contains("output.weight"); // untied
    }
  }

  @Test
  void llama3RopeScalingAlsoWritesLlamaCppFrequencyFactors() throws IOException {
    ModelConfig config = TestModels.config("llama3-rope-scaling");
    Path gguf = dir.resolve("llama3.gguf");
    GgufModelWriter.convertDirectory(hfModel("llama3-rope-scaling", DType.F32), null, gguf);

    try (GgufStore file = GgufStore.open(gguf)) {
      float[] factors = file.get("rope_freqs.weight").toFloats();
      assertThat(factors).hasSize(config.headDim() / 2);
      for (int i = 0; i < factors.length; i++) {
        double unscaled = 1 / Math.pow(config.rope().theta(), 2.0 * i / config.headDim());
        assertThat(unscaled / factors[i])
            .as("pair %d: llama.cpp divides by the factor", i)
            .isCloseTo(
                config.rope().inverseFrequency(i, config.headDim()), within(1e-6 * unscaled));
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "llama-gqa, F32, F16, 1e-2",
    "gpt2, F32, F16, 1e-2",
    "qwen2, F32, BF16, 5e-2",
    "llama-gqa, F16, F32, 1e-5"
  })
  void floatTypeConvertsEveryMatrixAndKeepsNormsF32(
      String kind, DType source, DType target, double tolerance) throws IOException {
    Path hf = hfModel(kind, source);
    Path gguf = dir.resolve(kind + "-" + target + ".gguf");
    try (SafetensorsStore store = SafetensorsStore.open(hf)) {
      GgufModelWriter.write(TestModels.config(kind), store, target, null, kind, gguf);
    }
    int[] tokens = randomTokens(9, TestModels.config(kind).vocabSize(), 5);

    float[] expected;
    try (LoadedModel fromHf = LoadedModel.open(hf)) {
      expected = allLogits(fromHf, tokens);
    }
    try (LoadedModel fromGguf = LoadedModel.open(gguf)) {
      checkTensor(allLogits(fromGguf, tokens), expected, tolerance, kind + " as " + target);
    }
    try (GgufStore file = GgufStore.open(gguf)) {
      assertThat(file.get(LlamaCppNames.TOKEN_EMBEDDING).dtype()).isEqualTo(target);
      assertThat(file.get("blk.0.ffn_down.weight").dtype()).isEqualTo(target);
      assertThat(file.get("blk.0.attn_norm.weight").dtype()).isEqualTo(DType.F32);
      assertThat(file.metadata().getLong("general.file_type"))
          .isEqualTo(LlamaCppKeys.fileType(target));
      assertThat(file.metadata().getString("general.name")).isEqualTo(kind);
    }
  }

  @Test
  void tokenizerKeysAreWrittenWithLlamaCppTypes() throws IOException {
    ModelConfig config = TestModels.config("llama-gqa");
    int n = config.vocabSize();
    List<String> tokens = new ArrayList<>();
    int[] types = new int[n];
    float[] scores = new float[n];
    List<String> named = List.of("<unk>", "<s>", "</s>", "▁", "t", "5", "7", "▁t", "▁t5", "▁t7");
    for (int id = 0; id < n; id++) {
      tokens.add(id < named.size() ? named.get(id) : "x" + id);
      types[id] = id == 0 ? 2 : id < 3 ? 3 : 1;
      scores[id] = -id;
    }
    LlamaCppVocabulary vocabulary =
        new LlamaCppVocabulary(
            "llama",
            null,
            tokens,
            types,
            scores,
            List.of(),
            OptionalInt.of(1),
            OptionalInt.of(2),
            OptionalInt.of(0),
            OptionalInt.empty(),
            true,
            false,
            true,
            false,
            Optional.of("{{ messages }}"));
    Path gguf = dir.resolve("with-tokenizer.gguf");
    try (SafetensorsStore store = SafetensorsStore.open(hfModel("llama-gqa", DType.F32))) {
      GgufModelWriter.write(config, store, null, vocabulary, "tiny", gguf);
    }

    try (GgufStore file = GgufStore.open(gguf)) {
      GgufMetadata meta = file.metadata();
      assertThat(meta.getString("tokenizer.ggml.model")).isEqualTo("llama");
      assertThat(meta.get("tokenizer.ggml.tokens"))
          .isInstanceOfSatisfying(
              GgufValue.ArrayValue.class,
              a -> {
                assertThat(a.elementType()).isEqualTo(GgufValueType.STRING);
                assertThat(a.elements()).hasSize(n);
              });
      assertThat(((GgufValue.ArrayValue) meta.get("tokenizer.ggml.token_type")).elementType())
          .isEqualTo(GgufValueType.INT32);
      assertThat(((GgufValue.ArrayValue) meta.get("tokenizer.ggml.scores")).elementType())
          .isEqualTo(GgufValueType.FLOAT32);
      assertThat(meta.get("tokenizer.ggml.bos_token_id").type()).isEqualTo(GgufValueType.UINT32);
      assertThat(meta.getLong("tokenizer.ggml.eos_token_id")).isEqualTo(2);
      assertThat(meta.getLong("tokenizer.ggml.unknown_token_id")).isZero();
      assertThat(meta.contains("tokenizer.ggml.padding_token_id")).isFalse();
      assertThat(meta.getBool("tokenizer.ggml.add_bos_token")).isTrue();
      assertThat(meta.getBool("tokenizer.ggml.add_eos_token")).isFalse();
      assertThat(meta.getBool("tokenizer.ggml.add_space_prefix")).isTrue();
      assertThat(meta.getString("tokenizer.chat_template")).isEqualTo("{{ messages }}");
      assertThat(meta.contains("tokenizer.ggml.merges")).isFalse();
      assertThat(GgufTokenizer.read(meta, gguf)).contains(vocabulary);
    }
    Tokenizer tokenizer = ModelTokenizer.load(gguf);
    assertThat(tokenizer.encode("t5 t7", true))
        .as("merges ranked by score, ▁ before the first word, BOS")
        .containsExactly(1, 8, 9);
  }

  @Test
  void tokenizerOfAnotherVocabularySizeIsRefused() {
    ModelConfig config = TestModels.config("llama-gqa");
    LlamaCppVocabulary small =
        new LlamaCppVocabulary(
            "gpt2",
            "gpt2",
            List.of("a", "b"),
            new int[] {1, 1},
            null,
            List.of(),
            OptionalInt.empty(),
            OptionalInt.empty(),
            OptionalInt.empty(),
            OptionalInt.empty(),
            false,
            false,
            false,
            false,
            Optional.empty());

    assertThatThrownBy(
            () ->
                GgufModelWriter.write(config, null, null, small, "x", dir.resolve("mismatch.gguf")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "the tokenizer has 2 tokens but the model's vocabulary is " + config.vocabSize());
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
