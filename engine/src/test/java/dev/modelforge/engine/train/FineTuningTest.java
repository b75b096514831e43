package dev.modelforge.engine.train;

import static dev.modelforge.engine.testing.Check.checkTensor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.init.RandomModelWriter;
import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.lora.PeftAdapterFiles;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.train.data.Batches;
import dev.modelforge.engine.train.data.ChatRenderer;
import dev.modelforge.engine.train.data.DatasetException;
import dev.modelforge.engine.train.data.Example;
import dev.modelforge.engine.train.data.JsonlDataset;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.examples.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The training loop end to end on the arithmetic task, with tiny models so each test takes seconds.
 */
class FineTuningTest {

  private static final ObjectMapper JSON = new ObjectMapper();
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

  private static ModelConfig tinyConfig(Architecture arch) {
    boolean gpt2 = arch == Architecture.GPT2;
    return new ModelConfig(
        arch,
        32,
        2,
        4,
        gpt2 ? 4 : 2,
        8,
        64,
        ArithmeticTask.vocabSize(),
        32,
        1e-5f,
        gpt2 ? RopeConfig.NONE : new RopeConfig(10000, "default", 1, 1, 1, 0),
        gpt2,
        arch == Architecture.QWEN2,
        "f32");
  }

  /** A random base model with the arithmetic tokenizer. */
  private Path base(Architecture arch) throws IOException {
    Path base = dir.resolve("base-" + arch);
    new RandomModelWriter(tinyConfig(arch), 11, DType.F32).write(base);
    ArithmeticTask.writeTokenizer(base);
    return base;
  }

  private Path problems(String name, int count, long seed) throws IOException {
    Path file = dir.resolve(name);
    ArithmeticTask.writeJsonl(ArithmeticTask.problems(count, seed, 20), file);
    return file;
  }

  private static TrainingConfig config(String method, String hyperparameters) throws IOException {
    return config(method, hyperparameters, false);
  }

  private static TrainingConfig config(String method, String hyperparameters, boolean gpt2)
      throws IOException {
    JsonNode root =
        JSON.readTree("{\"method\":" + method + ",\"hyperparameters\":" + hyperparameters + "}");
    return TrainingConfig.parse(root, gpt2);
  }

  private static List<Example> examples(Path base, Path file) throws IOException {
    return new JsonlDataset(file, Tokenizer.load(base), 32, true).read();
  }

  @Test
  void theCharacterTokenizerRoundTripsArithmetic() throws IOException {
    Path tok = dir.resolve("tok");
    ArithmeticTask.writeTokenizer(tok);
    Tokenizer tokenizer = Tokenizer.load(tok);

    int[] ids = tokenizer.encode("12+7=19", true);

    assertThat(ids).hasSize(7);
    assertThat(tokenizer.decode(ids, true)).isEqualTo("12+7=19");
    assertThat(tokenizer.eosTokenIds()).containsExactly(ArithmeticTask.EOS);
    assertThat(tokenizer.vocabSize()).isEqualTo(ArithmeticTask.vocabSize());
  }

  @Test
  void promptCompletionRowsLearnOnlyTheCompletionAndEos() throws IOException {
    Path base = base(Architecture.LLAMA);
    Path file = dir.resolve("one.jsonl");
    Files.writeString(file, "{\"prompt\":\"12+7=\",\"completion\":\"19\"}\n");

    Example e = examples(base, file).getFirst();

    assertThat(e.tokens()).hasSize(8); // 1 2 + 7 = 1 9 </s>
    assertThat(e.isTarget()).containsExactly(false, false, false, false, false, true, true, true);
  }

  @ParameterizedTest
  @ValueSource(strings = {"LLAMA", "QWEN3", "GPT2"})
  void fullFineTuningDrivesTheLossDownOnAFixedTinySet(String arch) throws IOException {
    Path base = base(Architecture.valueOf(arch));
    List<Example> data = examples(base, problems("tiny.jsonl", 16, 1));
    TrainableModel model = new TrainableModel(ModelParameters.load(base), pool);
    model.parameters().parameters().forEach(p -> p.setTrainable(true));
    TrainingConfig config =
        config(
            "{\"type\":\"full\"}",
            "{\"epochs\":40,\"learningRate\":1e-2,\"batchSize\":8,\"lrScheduler\":\"constant\"}");
    Trainer trainer = new Trainer(model, config, data, List.of(), null, null);
    double before = trainer.evaluate(data);

    TrainingResult result = trainer.run(false);

    assertThat(result.steps()).isEqualTo(80);
    assertThat(trainer.evaluate(data)).isLessThan(0.25 * before);
  }

  @Test
  void theFirstStepDumpHoldsTheValuesBeforeTheUpdateTheUnclippedGradientsAndTheBatches()
      throws IOException {
    Path base = base(Architecture.LLAMA);
    Path data = problems("dump.jsonl", 8, 2);
    TrainingConfig config =
        config(
            "{\"type\":\"full\"}",
            "{\"maxSteps\":1,\"learningRate\":1e-2,\"batchSize\":4,\"maxGradNorm\":1e-3}");
    Path out = dir.resolve("out");
    Path dump = dir.resolve("dump");

    FineTuning.run(base, data, config, out, false, pool, p -> {}, null, dump);

    JsonNode step = JSON.readTree(dump.resolve("step-1.json").toFile());
    ModelParameters before = ModelParameters.load(base);
    try (var tensors =
            dev.modelforge.engine.format.safetensors.SafetensorsStore.openFile(
                dump.resolve("step-1.safetensors"));
        var after =
            dev.modelforge.engine.format.safetensors.SafetensorsStore.openFile(
                out.resolve("model.safetensors"))) {
      double squares = 0;
      for (Parameter p : before.parameters()) {
        assertThat(tensors.get("value." + p.name()).toFloats())
            .as("%s before the update", p.name())
            .containsExactly(p.storedValues());
        assertThat(after.get(p.name()).toFloats())
            .as("%s moved by the step", p.name())
            .isNotEqualTo(p.storedValues());
        for (float g : tensors.get("grad." + p.name()).toFloats()) {
          squares += (double) g * g;
        }
      }
      assertThat(step.get("grad_norm").asDouble())
          .as("the norm of the dumped gradients, far above maxGradNorm: they are unclipped")
          .isCloseTo(Math.sqrt(squares), org.assertj.core.data.Offset.offset(1e-4))
          .isGreaterThan(1e-2);
    }
    assertThat(step.get("learning_rate").asDouble()).isEqualTo(1e-2);
    assertThat(step.get("loss").asDouble()).isBetween(0.0, 20.0);
    JsonNode batch = step.get("micro_batches").get(0);
    assertThat(batch.get("inputs").size())
        .isEqualTo(batch.get("batch").asInt() * batch.get("seq_len").asInt());
  }

  /** Problems of one kind: {@code op} is '+' or '-', operands up to 20, drawn from {@code seed}. */
  private Path problemsOf(String name, char op, int count, long seed) throws IOException {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    List<ArithmeticTask.Problem> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int a = rng.nextInt(21);
      int b = rng.nextInt(21);
      list.add(
          op == '+'
              ? ArithmeticTask.add(a, b)
              : ArithmeticTask.subtract(Math.max(a, b), Math.min(a, b)));
    }
    Path file = dir.resolve(name);
    ArithmeticTask.writeJsonl(list, file);
    return file;
  }

  @Test
  void packingPutsSeveralExamplesInARowSoAnEpochTakesFewerStepsAndStillLearns() throws IOException {
    Path base = base(Architecture.LLAMA);
    List<Example> data = examples(base, problems("tiny.jsonl", 32, 1));
    TrainableModel model = new TrainableModel(ModelParameters.load(base), pool);
    model.parameters().parameters().forEach(p -> p.setTrainable(true));
    String hyper =
        "{\"epochs\":60,\"learningRate\":1e-2,\"batchSize\":4,\"maxSequenceLength\":33,"
            + "\"lrScheduler\":\"constant\",\"packing\":";
    Trainer unpacked =
        new Trainer(
            model, config("{\"type\":\"full\"}", hyper + "false}"), data, List.of(), null, null);
    Trainer packed =
        new Trainer(
            model, config("{\"type\":\"full\"}", hyper + "true}"), data, List.of(), null, null);
    double before = packed.evaluate(data);

    packed.run(false);

    // rows of up to 32 input tokens hold three or four problems of 7-9 tokens
    assertThat(packed.totalSteps()).isLessThan(unpacked.totalSteps() / 3 + 1);
    assertThat(packed.evaluate(data)).isLessThan(0.5 * before);
  }

  @Test
  void aLoraFineTuneImprovesAPretrainedBaseOnHeldOutDataAndLeavesTheBaseUntouched()
      throws IOException {
    // a base that knows addition: full fine-tuning of the random model
    Path pretrained = dir.resolve("pretrained");
    FineTuning.run(
        base(Architecture.LLAMA),
        problemsOf("add.jsonl", '+', 400, 1),
        config(
            "{\"type\":\"full\"}",
            "{\"epochs\":8,\"learningRate\":1e-2,\"batchSize\":16,\"lrScheduler\":\"cosine\"}"),
        pretrained,
        false,
        pool,
        p -> {});
    List<Example> train = examples(pretrained, problemsOf("sub.jsonl", '-', 400, 2));
    List<Example> heldOut = examples(pretrained, problemsOf("sub-held.jsonl", '-', 100, 3));
    ModelParameters params = ModelParameters.load(pretrained);
    float[] embeddingBefore = params.tokenEmbedding().value().clone();
    Lora.apply(
        params,
        new LoraSettings(8, 16, 0.05, LoraSettings.LLAMA_MODULES),
        new java.util.SplittableRandom(1));
    TrainableModel model = new TrainableModel(params, pool);
    TrainingConfig config =
        config(
            "{\"type\":\"lora\"}",
            "{\"epochs\":4,\"learningRate\":1e-2,\"batchSize\":16,\"lrScheduler\":\"cosine\"}");
    Trainer trainer = new Trainer(model, config, train, heldOut, null, null);
    double before = trainer.evaluate(heldOut);

    TrainingResult result = trainer.run(false);

    assertThat(result.validationLoss()).isLessThan(0.8 * before);
    assertThat(params.tokenEmbedding().value()).containsExactly(embeddingBefore);
    assertThat(params.trainableParameters()).allMatch(p -> p.name().contains("lora_"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"LLAMA", "QWEN2", "GPT2"})
  void theSavedAdapterMergedIntoTheBaseReproducesTheTrainedLogitsThroughTheInferenceModel(
      String arch) throws IOException {
    Path base = base(Architecture.valueOf(arch));
    Path data = problems("train.jsonl", 64, 4);
    Path out = dir.resolve("adapter");
    String method = "{\"type\":\"lora\",\"lora\":{\"rank\":4,\"alpha\":8,\"dropout\":0.1}}";
    TrainingConfig config =
        config(
            method,
            "{\"epochs\":2,\"learningRate\":1e-2,\"batchSize\":16,\"seed\":3}",
            arch.equals("GPT2"));

    FineTuning.run(base, data, config, out, false, pool, p -> {});

    // the trained model: base + adapter read back from disk, logits of the training forward
    ModelParameters trained = ModelParameters.load(base);
    PeftAdapter.load(trained, out);
    MicroBatch mb = Batches.ofExamples(examples(base, data).subList(0, 1));
    TrainableModel model = new TrainableModel(trained, pool);
    Activations acts = model.newActivations(1, mb.seqLen());
    model.forward(mb, acts, -1);
    // merged and exported, run by the inference engine
    Lora.merge(trained);
    Path merged = dir.resolve("merged");
    trained.saveModel(merged);
    try (LoadedModel loaded = LoadedModel.open(merged, null)) {
      DecoderModel inference = loaded.model();
      int t = mb.seqLen();
      InferenceState s = inference.newScoringState(t, pool);
      float[] expected = inference.forward(s, inference.newCache(t), mb.inputs(), 0, t, 0, true);
      checkTensor(
          acts.logits(), 0, expected, 0, t * trained.config().vocabSize(), 1e-4, arch + " logits");
    }
    JsonNode adapterConfig = JSON.readTree(out.resolve(PeftAdapterFiles.CONFIG_FILE).toFile());
    assertThat(adapterConfig.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(adapterConfig.get("r").asInt()).isEqualTo(4);
    assertThat(adapterConfig.get("task_type").asText()).isEqualTo("CAUSAL_LM");
    assertThat(Files.exists(out.resolve("tokenizer.json"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aSavedAdapterMergesWithPeftsScalingRsLoraIncluded(boolean rsLora) throws IOException {
    Path base = base(Architecture.LLAMA);
    var settings = new LoraSettings(4, 8, 0, List.of("v_proj"), rsLora);
    ModelParameters trained = ModelParameters.load(base);
    Lora.apply(trained, settings, new java.util.SplittableRandom(1));
    for (Linear l : trained.linears()) {
      if (l.lora() != null) {
        float[] b = l.lora().b().value();
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) Math.sin(i + 1);
        }
      }
    }
    Path out = dir.resolve("adapter");
    PeftAdapter.save(trained, settings, "base", out);
    assertThat(JSON.readTree(out.resolve(PeftAdapterFiles.CONFIG_FILE).toFile()).get("use_rslora"))
        .isEqualTo(JSON.getNodeFactory().booleanNode(rsLora));

    ModelParameters merged = ModelParameters.load(base);
    PeftAdapter.load(merged, out);
    Linear adapted = merged.linears().stream().filter(l -> l.lora() != null).findFirst().get();
    float[] before = adapted.weight().value().clone();
    float[] a = adapted.lora().a().value();
    float[] b = adapted.lora().b().value();
    Lora.merge(merged);
    // PEFT: W += alpha / r * B A, or alpha / sqrt(r) * B A with use_rslora
    double scaling = rsLora ? 8 / Math.sqrt(4) : 8 / 4.0;
    int in = adapted.in();
    for (int o = 0; o < adapted.out(); o++) {
      for (int i = 0; i < in; i++) {
        double delta = 0;
        for (int k = 0; k < 4; k++) {
          delta += b[o * 4 + k] * a[k * in + i];
        }
        assertThat(adapted.weight().value()[o * in + i] - before[o * in + i])
            .isCloseTo((float) (scaling * delta), org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void peftTensorNamesAndShapesFollowTheModulePaths() throws IOException {
    Path base = base(Architecture.LLAMA);
    ModelParameters params = ModelParameters.load(base);
    Lora.apply(
        params,
        new LoraSettings(4, 8, 0, List.of("q_proj", "down_proj")),
        new java.util.SplittableRandom(1));
    Path out = dir.resolve("adapter");

    PeftAdapter.save(
        params, new LoraSettings(4, 8, 0, List.of("q_proj", "down_proj")), "base", out);

    try (var store =
        dev.modelforge.engine.format.safetensors.SafetensorsStore.openFile(
            out.resolve(PeftAdapterFiles.WEIGHTS_FILE))) {
      assertThat(store.names())
          .contains(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
              "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight")
          .hasSize(8);
      assertThat(
              store.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
          .containsExactly(4, 32);
      assertThat(store.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape())
          .containsExactly(32, 4);
    }
  }

  @Test
  void earlyStoppingEndsTheRunWhenTheValidationLossStopsImproving() throws IOException {
    Path base = base(Architecture.LLAMA);
    List<Example> data = examples(base, problems("train.jsonl", 64, 6));
    TrainableModel model = new TrainableModel(ModelParameters.load(base), pool);
    model.parameters().parameters().forEach(p -> p.setTrainable(true));
    // a learning rate far too high: the validation loss gets worse after the first steps
    TrainingConfig config =
        config(
            "{\"type\":\"full\"}",
            "{\"epochs\":20,\"learningRate\":3.0,\"batchSize\":16,\"lrScheduler\":\"constant\","
                + "\"maxGradNorm\":0,\"evalSteps\":1,\"earlyStoppingPatience\":2}");
    Trainer trainer =
        new Trainer(model, config, data.subList(0, 48), data.subList(48, 64), null, null);

    TrainingResult result = trainer.run(false);

    assertThat(result.stoppedEarly()).isTrue();
    assertThat(result.steps()).isLessThan(trainer.totalSteps());
  }

  @ParameterizedTest
  @ValueSource(strings = {"full", "lora"})
  void resumingFromACheckpointEndsWithBitIdenticalWeights(String method) throws IOException {
    Path base = base(Architecture.QWEN3);
    Path data = problems("train.jsonl", 60, 5);
    TrainingConfig config =
        config(
            method.equals("full")
                ? "{\"type\":\"full\"}"
                // dropout makes the test cover the restored random streams too
                : "{\"type\":\"lora\",\"lora\":{\"rank\":4,\"dropout\":0.2}}",
            "{\"epochs\":3,\"learningRate\":5e-3,\"batchSize\":8,\"gradientAccumulationSteps\":2,"
                + "\"lrScheduler\":\"cosine\",\"warmupSteps\":2,\"saveSteps\":5,\"validationSplit\":0.2,"
                + "\"seed\":9}");
    Path straight = dir.resolve("straight");
    Path interrupted = dir.resolve("interrupted");

    FineTuning.run(base, data, config, straight, false, pool, p -> {});
    try {
      FineTuning.run(
          base,
          data,
          config,
          interrupted,
          false,
          pool,
          p -> {
            if (p.phase().equals("training") && p.step() == 7) {
              throw new IllegalStateException("simulated crash after step 7");
            }
          });
    } catch (IllegalStateException expected) {
      // the checkpoint of step 5 survives
    }
    assertThat(interrupted.resolve("checkpoints/step-00000005")).isDirectory();
    FineTuning.run(base, data, config, interrupted, true, pool, p -> {});

    String file = method.equals("full") ? "model.safetensors" : PeftAdapterFiles.WEIGHTS_FILE;
    assertThat(Files.readAllBytes(interrupted.resolve(file)))
        .isEqualTo(Files.readAllBytes(straight.resolve(file)));
  }

  /**
   * A kill can leave the newest checkpoint torn (a file cut short that the disk had not written)
   * and a half-written one beside it: the resume passes over both, says so, takes the one before,
   * and still ends with the weights of a run never interrupted.
   */
  @Test
  void aTornNewestCheckpointIsPassedOverAndTheRunStillEndsBitIdentical() throws IOException {
    Path base = base(Architecture.QWEN3);
    Path data = problems("train.jsonl", 60, 5);
    TrainingConfig config =
        config(
            "{\"type\":\"lora\",\"lora\":{\"rank\":4,\"dropout\":0.2}}",
            "{\"epochs\":3,\"learningRate\":5e-3,\"batchSize\":8,\"gradientAccumulationSteps\":2,"
                + "\"lrScheduler\":\"cosine\",\"warmupSteps\":2,\"saveSteps\":2,"
                + "\"validationSplit\":0.2,\"seed\":9}");
    Path straight = dir.resolve("straight");
    Path interrupted = dir.resolve("interrupted");
    FineTuning.run(base, data, config, straight, false, pool, p -> {});
    try {
      FineTuning.run(
          base,
          data,
          config,
          interrupted,
          false,
          pool,
          p -> {
            if (p.phase().equals("training") && p.step() == 7) {
              throw new IllegalStateException("simulated crash after step 7");
            }
          });
    } catch (IllegalStateException expected) {
      // checkpoints 4 and 6 are kept
    }
    Path checkpoints = interrupted.resolve("checkpoints");
    Path newest = checkpoints.resolve("step-00000006/parameters.safetensors");
    byte[] whole = Files.readAllBytes(newest);
    Files.write(newest, java.util.Arrays.copyOf(whole, whole.length / 2));
    Files.createDirectories(checkpoints.resolve("step-00000008.tmp"));
    Files.writeString(checkpoints.resolve("step-00000008.tmp/parameters.safetensors"), "half");

    List<String> messages = new java.util.ArrayList<>();
    FineTuning.run(
        base,
        data,
        config,
        interrupted,
        true,
        pool,
        p -> messages.add(String.valueOf(p.message())));

    assertThat(messages)
        .anyMatch(
            m ->
                m.contains("resumed from")
                    && m.contains("step-00000004")
                    && m.contains("passed over: step-00000006 is torn: parameters.safetensors"));
    assertThat(Files.readAllBytes(interrupted.resolve(PeftAdapterFiles.WEIGHTS_FILE)))
        .isEqualTo(Files.readAllBytes(straight.resolve(PeftAdapterFiles.WEIGHTS_FILE)));
  }

  /**
   * A stand-in for a Jinja template, in characters the arithmetic vocabulary has: a user turn is
   * "+content ", an assistant turn "-content ", and the generation prompt "-".
   */
  private static String render(List<java.util.Map<String, Object>> messages, boolean prompt) {
    StringBuilder text = new StringBuilder();
    for (java.util.Map<String, Object> m : messages) {
      text.append(m.get("role").equals("user") ? "+" : "-").append(m.get("content")).append(' ');
    }
    return prompt ? text.append('-').toString() : text.toString();
  }

  @Test
  void chatMessagesRenderedWithTheTemplateLearnOnlyTheAssistantTurns() throws IOException {
    Path base = base(Architecture.LLAMA);
    Path file = dir.resolve("chat.jsonl");
    Files.writeString(
        file,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"1\"},"
            + "{\"role\":\"assistant\",\"content\":\"2\"},"
            + "{\"role\":\"user\",\"content\":\"3\"},"
            + "{\"role\":\"assistant\",\"content\":\"4\"}]}\n");

    Example e =
        new JsonlDataset(file, Tokenizer.load(base), 32, true, FineTuningTest::render)
            .read()
            .getFirst();

    // "+1 -" context, "2 " learned, "+3 -" context, "4 " learned
    Tokenizer tokenizer = Tokenizer.load(base);
    assertThat(tokenizer.decode(e.tokens(), false)).isEqualTo("+1 -2 +3 -4 ");
    assertThat(e.isTarget())
        .containsExactly(
            false, false, false, false, true, true, false, false, false, false, true, true);
  }

  @Test
  void aTemplateThatRewritesEarlierTurnsIsRejectedForTheLine() throws IOException {
    Path base = base(Architecture.LLAMA);
    Path file = dir.resolve("chat.jsonl");
    Files.writeString(
        file,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"1\"},"
            + "{\"role\":\"assistant\",\"content\":\"2\"}]}\n");
    // a template that numbers the turns from the end changes the prefix when a turn is added
    ChatRenderer unstable = (messages, prompt) -> messages.size() + render(messages, prompt);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new JsonlDataset(file, Tokenizer.load(base), 32, true, unstable).read())
        .hasMessageContaining(":1: the chat template does not render this conversation");
  }

  @Test
  void withoutATemplateMessagesUseThePlainRoleFormat() throws IOException {
    Path base = base(Architecture.LLAMA);
    Path file = dir.resolve("chat.jsonl");
    Files.writeString(
        file,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"1+1=\"},"
            + "{\"role\":\"assistant\",\"content\":\"2\"}]}\n");

    Example e = examples(base, file).getFirst();

    // letters, ':' and '\n' are not in the arithmetic vocabulary: " 1+1= 2</s>" remains
    long learned =
        java.util.stream.IntStream.range(0, e.length()).filter(i -> e.isTarget()[i]).count();
    assertThat(learned).isEqualTo(2); // "2" and EOS
    assertThat(e.tokens()[e.length() - 1]).isEqualTo(ArithmeticTask.EOS);
    assertThat(e.isTarget()[e.length() - 2]).as("the reply \"2\"").isTrue();
  }

  @Test
  void badDatasetsFailNamingTheFileAndLine() throws IOException {
    Path base = base(Architecture.LLAMA);
    Tokenizer tokenizer = Tokenizer.load(base);
    List<String[]> cases = new ArrayList<>();
    cases.add(
        new String[] {
          "{\"prompt\":\"1+1=\",\"completion\":\"2\"}\n{not json\n", ":2: is not valid JSON"
        });
    cases.add(new String[] {"{\"prompt\":\"1+1=\"}\n", ":1: is missing the \"completion\" field"});
    cases.add(
        new String[] {
          "{\"question\":\"1+1=\"}\n",
          ":1: needs \"text\", \"prompt\" and \"completion\", or \"messages\""
        });
    cases.add(new String[] {"\n  \n", "holds no examples"});
    cases.add(new String[] {"[1, 2]\n", ":1: must be a JSON object"});
    cases.add(new String[] {"{\"text\": 5}\n", ":1: \"text\" must be a string"});
    cases.add(
        new String[] {
          "{\"text\":\"1+1=2\"}\n{\"text\":\"" + "1".repeat(40) + "\"}\n",
          ":2: has 41 tokens, more than maxSequenceLength 32"
        });
    for (String[] c : cases) {
      Path file = dir.resolve("bad.jsonl");
      Files.writeString(file, c[0]);

      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> new JsonlDataset(file, tokenizer, 32, false).read())
          .isInstanceOf(DatasetException.class)
          .hasMessageStartingWith(file.toString())
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void truncationCutsLongRowsButRejectsPromptsThatLeaveNothingToLearn() throws IOException {
    Path base = base(Architecture.LLAMA);
    Tokenizer tokenizer = Tokenizer.load(base);
    Path file = dir.resolve("long.jsonl");
    Files.writeString(file, "{\"text\":\"" + "1".repeat(40) + "\"}\n");
    assertThat(new JsonlDataset(file, tokenizer, 32, true).read().getFirst().length())
        .isEqualTo(32);

    Files.writeString(file, "{\"prompt\":\"" + "1".repeat(40) + "\",\"completion\":\"2\"}\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new JsonlDataset(file, tokenizer, 32, true).read())
        .hasMessageContaining(":1: has nothing left to learn after truncation");
  }
}
