package dev.modelforge.engine.train;

import static dev.modelforge.engine.testing.Check.checkTensor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.train.data.Batches;
import dev.modelforge.engine.train.data.Example;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.CrossEntropy;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.Parameter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrainableModelTest {

  private static Parallel pool;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    pool = new Parallel(2);
  }

  @AfterAll
  static void stop() {
    pool.close();
  }

  /** Two sequences of lengths 9 and 6, the second right-padded, next-token targets everywhere. */
  static MicroBatch paddedBatch(int vocab, long seed) {
    Random r = new Random(seed);
    int t = 9;
    int[] lengths = {9, 6};
    int[] inputs = new int[2 * t];
    int[] targets = new int[2 * t];
    for (int b = 0; b < 2; b++) {
      for (int i = 0; i < t; i++) {
        inputs[b * t + i] = i < lengths[b] ? r.nextInt(vocab) : 0;
        targets[b * t + i] = i < lengths[b] ? r.nextInt(vocab) : CrossEntropy.IGNORE;
      }
    }
    return new MicroBatch(2, t, inputs, targets, lengths);
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "llama3-rope-scaling", "mistral", "qwen2", "qwen3", "gpt2"})
  void trainingLogitsEqualTheInferenceModelsForEverySequenceOfAPaddedBatch(String kind) {
    ModelConfig config = TestModels.config(kind);
    TestModels.writeAtInitScale(dir, config, DType.F32, 3);
    MicroBatch mb = paddedBatch(config.vocabSize(), 1);
    TrainableModel model = new TrainableModel(ModelParameters.load(dir), pool);
    Activations acts = model.newActivations(mb.batch(), mb.seqLen());

    model.forward(mb, acts, -1);

    int v = config.vocabSize();
    try (LoadedModel loaded = LoadedModel.open(dir, null)) {
      DecoderModel reference = loaded.model();
      for (int b = 0; b < mb.batch(); b++) {
        int len = mb.lengths()[b];
        int[] tokens =
            java.util.Arrays.copyOfRange(mb.inputs(), b * mb.seqLen(), b * mb.seqLen() + len);
        InferenceState s = reference.newScoringState(len, pool);
        KvCache cache = reference.newCache(len);
        float[] expected = reference.forward(s, cache, tokens, 0, len, 0, true);
        checkTensor(
            acts.logits(),
            b * mb.seqLen() * v,
            expected,
            0,
            len * v,
            1e-4,
            kind + " sequence " + b);
      }
    }
  }

  /** Three examples of 4, 6 and 3 tokens with random ids, every next token a target. */
  static List<Example> examples(int vocab, long seed) {
    Random r = new Random(seed);
    List<Example> list = new java.util.ArrayList<>();
    for (int len : new int[] {4, 6, 3}) {
      int[] tokens = r.ints(len, 0, vocab).toArray();
      boolean[] target = new boolean[len];
      java.util.Arrays.fill(target, 1, len, true);
      list.add(new Example(tokens, target, list.size() + 1));
    }
    return list;
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "qwen3", "gpt2"})
  void packedExamplesGetExactlyTheLogitsAndLossTheyGetAlone(String kind) {
    ModelConfig config = TestModels.config(kind);
    TestModels.writeAtInitScale(dir, config, DType.F32, 4);
    TrainableModel model = new TrainableModel(ModelParameters.load(dir), pool);
    List<Example> examples = examples(config.vocabSize(), 8);
    MicroBatch alone = Batches.ofExamples(examples);
    MicroBatch packed = Batches.of(List.of(examples));
    Activations aloneActs = model.newActivations(alone.batch(), alone.seqLen());
    Activations packedActs = model.newActivations(packed.batch(), packed.seqLen());

    double aloneLoss = model.forward(alone, aloneActs, -1);
    double packedLoss = model.forward(packed, packedActs, -1);

    int v = config.vocabSize();
    int at = 0;
    for (int i = 0; i < examples.size(); i++) {
      int rows = examples.get(i).length() - 1;
      checkTensor(
          packedActs.logits(),
          at * v,
          aloneActs.logits(),
          i * alone.seqLen() * v,
          rows * v,
          1e-5,
          kind + " packed example " + i);
      at += rows;
    }
    assertThat(packed.batch()).isEqualTo(1);
    assertThat(packedLoss).isCloseTo(aloneLoss, org.assertj.core.api.Assertions.within(1e-4));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "llama-gqa",
        "qwen2",
        "qwen3",
        "gpt2",
        "llama-gqa+lora",
        "gpt2+lora",
        "llama-gqa+packed",
        "gpt2+packed"
      })
  void gradientsOfEveryParameterMatchFiniteDifferencesOfTheLoss(String variant) {
    String kind = variant.replace("+lora", "").replace("+packed", "");
    ModelConfig config = TestModels.config(kind);
    TestModels.writeAtInitScale(dir, config, DType.F32, 5);
    ModelParameters params = ModelParameters.load(dir);
    sharpenAttention(params);
    List<Parameter> checked;
    if (variant.endsWith("+lora")) {
      List<String> targets =
          config.architecture().isGpt2()
              ? List.of("c_attn", "c_proj", "c_fc")
              : List.of(
                  "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
      Lora.apply(params, new LoraSettings(4, 8, 0, targets), new SplittableRandom(3));
      // B is zero at the start, which would make dA vanish; move away from that point
      for (Parameter p : params.loraParameters()) {
        Random r = new Random(p.name().hashCode());
        float[] value = p.value();
        for (int i = 0; i < value.length; i++) {
          value[i] = (float) (r.nextGaussian() * 0.05);
        }
      }
      checked = params.loraParameters();
    } else {
      params.parameters().forEach(p -> p.setTrainable(true));
      checked = params.parameters();
    }
    TrainableModel model = new TrainableModel(params, pool);
    MicroBatch mb =
        variant.endsWith("+packed")
            ? Batches.of(
                List.of(
                    examples(config.vocabSize(), 2), examples(config.vocabSize(), 3).subList(0, 2)))
            : paddedBatch(config.vocabSize(), 2);
    Activations acts = model.newActivations(mb.batch(), mb.seqLen());
    float scale = 1f / mb.targetCount();

    model.forward(mb, acts, -1);
    model.backward(mb, acts, scale);

    java.util.function.DoubleSupplier loss =
        () -> {
          checked.forEach(Parameter::markUpdated);
          return model.forward(mb, acts, -1) * scale;
        };
    for (Parameter p : checked) {
      // the 6 coordinates with the largest analytic gradient, where the difference is well above
      // float rounding of the loss
      float[] g = p.grad();
      int[] top =
          IntStream.range(0, g.length)
              .boxed()
              .sorted(Comparator.comparingDouble(i -> -Math.abs(g[i])))
              .limit(6)
              .mapToInt(Integer::intValue)
              .toArray();
      // a step of a tenth of the parameter's typical size: small enough to stay linear (an
      // embedding row of scale 0.02 feeds RMSNorm), large enough to beat float rounding
      double h = Math.clamp(0.1 * rms(p.value()), 1e-3, 1e-2);
      float[] analytic = new float[top.length];
      float[] numeric = new float[top.length];
      for (int i = 0; i < top.length; i++) {
        analytic[i] = g[top[i]];
        numeric[i] = GradientCheck.numericAt(p.value(), top[i], h, loss);
      }
      GradientCheck.assertClose(analytic, numeric, 3e-2, variant + " " + p.name());
    }
    assertThat(checked).isNotEmpty();
  }

  private static double rms(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s / v.length);
  }

  /**
   * Random weights of std 0.02 give near-uniform attention, through which the q and k gradients are
   * too small for a check to notice a mistake; larger q and k weights make attention peaky.
   */
  private static void sharpenAttention(ModelParameters params) {
    for (BlockParameters b : params.blocks()) {
      for (Linear l : new Linear[] {b.q(), b.k(), b.qkv()}) {
        if (l != null) {
          float[] w = l.weight().value();
          int rows = l == b.qkv() ? 2 * l.in() : l.out(); // q and k rows of GPT-2's c_attn
          for (int i = 0; i < rows * l.in(); i++) {
            w[i] *= 12;
          }
        }
      }
    }
  }
}
