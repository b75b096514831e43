package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.generate.GeneratedToken;
import dev.modelforge.engine.generate.GenerationResult;
import dev.modelforge.engine.generate.Generator;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.lora.PeftAdapterFiles;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.examples.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train, data, export and bench train commands, run as a pod runs them. */
class TrainCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static CliRun ok(String... args) {
    CliRun run = CliRun.of(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    return run;
  }

  /** A random Llama-family model of the given width with the arithmetic tokenizer. */
  private Path arithmeticBase(String name, int dim, Path tokenizer) {
    Path base = dir.resolve(name);
    ok(
        "init",
        "--preset",
        "tiny",
        "--dim",
        Integer.toString(dim),
        "--layers",
        "2",
        "--heads",
        "4",
        "--context",
        "32",
        "--tokenizer",
        tokenizer.toString(),
        "--out",
        base.toString());
    return base;
  }

  private Path config(String yaml) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /**
   * The behaviour the issue asks for: a model trained from scratch by {@code train} on generated
   * arithmetic answers at least 90% of problems it never saw exactly right. About 90 seconds on two
   * idle cores (1575 steps); measured at 95.5% held-out exact match with this recipe, which is
   * deterministic. Learning arithmetic has a sharp phase change: at a learning rate of 3e-3 the
   * loss stalls on a plateau, so this test also guards the optimizer and schedule.
   */
  @Test
  void trainingFromScratchTeachesATinyModelArithmeticThatGeneralisesToUnseenProblems()
      throws IOException {
    Path data = dir.resolve("train.jsonl");
    Path tok = dir.resolve("tok");
    ok(
        "data",
        "arithmetic",
        "--count",
        "4000",
        "--max-operand",
        "50",
        "--seed",
        "7",
        "--out",
        data.toString(),
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 128, tok);
    Path cfg =
        config(
            """
            method:
              type: full
            hyperparameters:
              epochs: 25
              learningRate: 2.0e-3
              batchSize: 64
              lrScheduler: cosine
              warmupRatio: 0.03
              maxGradNorm: 1.0
              seed: 1
            """);
    Path out = dir.resolve("out");

    ok(
        "train",
        "--base",
        base.toString(),
        "--dataset",
        data.toString(),
        "--config",
        cfg.toString(),
        "--output",
        out.toString(),
        "--threads",
        "2");

    Set<String> seen = new HashSet<>();
    for (String line : Files.readAllLines(data)) {
      seen.add(JSON.readTree(line).get("prompt").asText());
    }
    List<ArithmeticTask.Problem> heldOut =
        ArithmeticTask.problems(5000, 99, 50).stream()
            .filter(p -> seen.add(p.prompt()))
            .limit(200)
            .toList();
    assertThat(heldOut).hasSize(200);
    try (LoadedModel model = LoadedModel.open(out, null);
        Parallel pool = new Parallel(2)) {
      double exact = exactMatch(model.model(), Tokenizer.load(out), heldOut, pool);
      System.out.printf("held-out exact match: %.1f%%%n", 100 * exact);
      assertThat(exact).as("exact match on 200 unseen problems").isGreaterThanOrEqualTo(0.9);
    }
  }

  @Test
  void loraTrainingWritesAPeftAdapterAndProgressThatExportMergesIntoAServableModel()
      throws IOException {
    Path data = dir.resolve("train.jsonl");
    Path tok = dir.resolve("tok");
    ok(
        "data",
        "arithmetic",
        "--count",
        "200",
        "--out",
        data.toString(),
        "--seed",
        "2",
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 32, tok);
    Path cfg =
        config(
            """
            method:
              type: lora
              lora: {rank: 4, alpha: 8, dropout: 0.05, targetModules: [q_proj, v_proj]}
            hyperparameters: {epochs: 2, learningRate: 1.0e-2, batchSize: 16, validationSplit: 0.1}
            """);
    Path out = dir.resolve("adapter");

    CliRun train =
        ok(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            data.toString(),
            "--config",
            cfg.toString(),
            "--output",
            out.toString());

    assertThat(train.out()).contains("wrote a LoRA adapter to").contains("validation loss");
    JsonNode progress = JSON.readTree(out.resolve("progress.json").toFile());
    assertThat(progress.get("phase").asText()).isEqualTo("completed");
    assertThat(progress.get("step").asInt()).isEqualTo(progress.get("totalSteps").asInt());
    for (String key :
        List.of(
            "epoch",
            "loss",
            "validationLoss",
            "learningRate",
            "tokensPerSecond",
            "etaSeconds",
            "message")) {
      assertThat(progress.has(key)).as(key).isTrue();
    }
    JsonNode adapter = JSON.readTree(out.resolve(PeftAdapterFiles.CONFIG_FILE).toFile());
    assertThat(adapter.get("target_modules")).hasSize(2);

    Path merged = dir.resolve("merged");
    ok(
        "export",
        "--model",
        base.toString(),
        "--adapter",
        out.toString(),
        "--merge",
        "--format",
        "safetensors",
        "--out",
        merged.toString());
    CliRun generate =
        ok(
            "generate",
            "--model",
            merged.toString(),
            "--prompt",
            "3+4=",
            "--max-tokens",
            "3",
            "--json");
    assertThat(generate.out()).contains("\"tokens\"");
  }

  @Test
  void resumeContinuesFromTheLatestCheckpointInTheOutputDirectory() throws IOException {
    Path tok = dir.resolve("tok");
    Path data = dir.resolve("train.jsonl");
    ok(
        "data",
        "arithmetic",
        "--count",
        "64",
        "--out",
        data.toString(),
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 32, tok);
    Path cfg =
        config("method: {type: full}\nhyperparameters: {epochs: 2, batchSize: 16, saveSteps: 3}\n");
    Path out = dir.resolve("out");
    ok(
        "train",
        "--base",
        base.toString(),
        "--dataset",
        data.toString(),
        "--config",
        cfg.toString(),
        "--output",
        out.toString());
    byte[] trained = Files.readAllBytes(out.resolve("model.safetensors"));

    CliRun resumed =
        ok(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            data.toString(),
            "--config",
            cfg.toString(),
            "--output",
            out.toString(),
            "--resume");

    assertThat(resumed.out()).contains("resumed from " + out.resolve("checkpoints/step-00000008"));
    assertThat(Files.readAllBytes(out.resolve("model.safetensors"))).isEqualTo(trained);
    assertThat(out.resolve("checkpoints/step-00000006")).isDirectory();
    assertThat(out.resolve("checkpoints/step-00000003")).doesNotExist();
  }

  @Test
  void aMisspeltHyperparameterFailsWithOneLineNamingTheKey() throws IOException {
    Path tok = dir.resolve("tok");
    Path data = dir.resolve("train.jsonl");
    ok(
        "data",
        "arithmetic",
        "--count",
        "10",
        "--out",
        data.toString(),
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 32, tok);
    Path cfg = config("hyperparameters: {learning_rate: 0.1}\n");

    CliRun run =
        CliRun.of(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            data.toString(),
            "--config",
            cfg.toString(),
            "--output",
            dir.resolve("out").toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().strip())
        .contains("unknown training config key 'hyperparameters.learning_rate'")
        .doesNotContain("\n");
  }

  @Test
  void aBadDatasetLineFailsTheRunAndIsReportedInProgress() throws IOException {
    Path tok = dir.resolve("tok");
    Path data = dir.resolve("train.jsonl");
    ok(
        "data",
        "arithmetic",
        "--count",
        "3",
        "--out",
        data.toString(),
        "--tokenizer",
        tok.toString());
    Files.writeString(data, "{\"prompt\": \"1+1=\"}\n", java.nio.file.StandardOpenOption.APPEND);
    Path base = arithmeticBase("base", 32, tok);
    Path out = dir.resolve("out");

    CliRun run =
        CliRun.of(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            data.toString(),
            "--config",
            config("method: {type: full}\n").toString(),
            "--output",
            out.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains(data + ":4: is missing the \"completion\" field");
    assertThat(JSON.readTree(out.resolve("progress.json").toFile()).get("phase").asText())
        .isEqualTo("failed");
  }

  /**
   * The command line and config file the operator's train Job uses: a JSON config with the CRD's
   * spelling plus its dataset block, and the dataset as a pvc:// URI mounted under the source root.
   */
  @Test
  void trainsFromTheOperatorsConfigAndAMountedDatasetUri() throws IOException {
    Path tok = dir.resolve("tok");
    Path claim = dir.resolve("mnt/pvc/datasets");
    Files.createDirectories(claim);
    Path data = claim.resolve("sums.jsonl");
    ok(
        "data",
        "arithmetic",
        "--count",
        "40",
        "--out",
        data.toString(),
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 32, tok);
    Path cfg = dir.resolve("config.json");
    Files.writeString(
        cfg,
        """
        {"method":{"type":"lora","lora":{"rank":4,"alpha":8.0,"targetModules":["q_proj","v_proj"]}},
         "hyperparameters":{"epochs":1,"learningRate":0.01,"batchSize":8,"lrScheduler":"cosine"},
         "dataset":{"uri":"pvc://datasets/sums.jsonl","format":"prompt-completion","validationSplit":0.25}}
        """);
    Path out = dir.resolve("output/model");

    CliRun run =
        ok(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            "pvc://datasets/sums.jsonl",
            "--config",
            cfg.toString(),
            "--output",
            out.toString(),
            "--source-root",
            dir.resolve("mnt").toString(),
            "--resume");

    assertThat(run.out()).contains("wrote a LoRA adapter").contains("validation loss");
    assertThat(out.resolve(PeftAdapterFiles.CONFIG_FILE)).exists();
  }

  @Test
  void aDatasetThatIsNotInTheFormatTheJobNamesFailsWithTheLine() throws IOException {
    Path tok = dir.resolve("tok");
    Path data = dir.resolve("sums.jsonl");
    ok(
        "data",
        "arithmetic",
        "--count",
        "3",
        "--out",
        data.toString(),
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 32, tok);
    Path cfg = dir.resolve("config.json");
    Files.writeString(
        cfg, "{\"method\":{\"type\":\"full\"},\"dataset\":{\"uri\":\"x\",\"format\":\"chat\"}}");

    CliRun run =
        CliRun.of(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            data.toString(),
            "--config",
            cfg.toString(),
            "--output",
            dir.resolve("out").toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains(data + " line 1")
        .contains("format is chat")
        .contains("messages");

    CliRun missing =
        CliRun.of(
            "train",
            "--base",
            base.toString(),
            "--dataset",
            "configmap://nothing/train.jsonl",
            "--config",
            cfg.toString(),
            "--output",
            dir.resolve("out").toString(),
            "--source-root",
            dir.toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("configmap://nothing/train.jsonl").contains("is not a file");
  }

  @Test
  void dataArithmeticWritesTheRequestedNumberOfProblems() throws IOException {
    Path data = dir.resolve("a.jsonl");

    ok(
        "data",
        "arithmetic",
        "--count",
        "25",
        "--max-operand",
        "9",
        "--seed",
        "4",
        "--out",
        data.toString());

    List<String> lines = Files.readAllLines(data);
    assertThat(lines).hasSize(25);
    JsonNode first = JSON.readTree(lines.getFirst());
    assertThat(first.get("prompt").asText()).matches("\\d\\d?[+-]\\d\\d?=");
    assertThat(first.get("completion").asText()).matches("\\d+");
  }

  @Test
  void benchTrainReportsStepTimeThroughputAndFlops() throws IOException {
    Path tok = dir.resolve("tok");
    ok(
        "data",
        "arithmetic",
        "--count",
        "1",
        "--out",
        dir.resolve("x.jsonl").toString(),
        "--tokenizer",
        tok.toString());
    Path base = arithmeticBase("base", 32, tok);

    CliRun run =
        ok(
            "bench",
            "train",
            "--model",
            base.toString(),
            "--batch",
            "2",
            "--seq",
            "8",
            "--steps",
            "2",
            "--warmup",
            "1",
            "--lora",
            "4",
            "--json");

    JsonNode r = JSON.readTree(run.out());
    assertThat(r.get("method").asText()).isEqualTo("lora");
    assertThat(r.get("ms_per_step").asDouble()).isPositive();
    assertThat(r.get("tokens_per_s").asDouble()).isPositive();
    assertThat(r.get("achieved_gflop_s").asDouble()).isPositive();
    assertThat(r.get("trainable_parameters").asLong()).isLessThan(r.get("parameters").asLong());
  }

  /** The fraction of {@code problems} whose greedy completion (up to EOS) is exactly the answer. */
  private static double exactMatch(
      DecoderModel model,
      Tokenizer tokenizer,
      List<ArithmeticTask.Problem> problems,
      Parallel pool) {
    Generator generator = new Generator(model, pool);
    Set<Integer> eos = new HashSet<>();
    for (int id : tokenizer.eosTokenIds()) {
      eos.add(id);
    }
    int correct = 0;
    for (ArithmeticTask.Problem p : problems) {
      int[] prompt = tokenizer.encode(p.prompt(), true);
      GenerationResult r = generator.generate(prompt, SamplingParams.greedy(8), eos, null, null);
      int[] ids = r.tokens().stream().mapToInt(GeneratedToken::id).toArray();
      if (tokenizer.decode(ids, true).equals(p.completion())) {
        correct++;
      }
    }
    return (double) correct / problems.size();
  }
}
