package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.modelforge.contract.args.Device;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.train.FineTuning;
import dev.modelforge.engine.train.TrainingConfig;
import dev.modelforge.engine.train.TrainingProgress;
import dev.modelforge.engine.train.TrainingResult;
import dev.modelforge.engine.train.data.ChatRenderer;
import dev.modelforge.runtime.progress.ProgressPublisher;
import dev.modelforge.runtime.progress.TrainingProgressFile;
import dev.modelforge.runtime.serve.ChatTemplate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge train}: LoRA or full fine-tuning of a model directory on a JSONL dataset. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune --base on --dataset (JSONL: {\"text\"}, {\"prompt\",\"completion\"} or",
      "{\"messages\"}) with the method and hyperparameters of --config (YAML or JSON, the shape of",
      "a FineTuningJob spec: {method: {type: lora|full, lora: {rank, alpha, dropout,",
      "targetModules}}, hyperparameters: {epochs, learningRate, batchSize,",
      "gradientAccumulationSteps, maxSequenceLength, lrScheduler, warmupRatio, seed, ...}}).",
      "Writes a PEFT adapter (lora) or a model directory (full) to --output, checkpoints to",
      "OUTPUT/checkpoints and live progress to OUTPUT/progress.json. The operator's config also",
      "carries dataset: {uri, format, validationSplit}; format is checked against the rows."
    })
public final class TrainCommand implements Callable<Integer> {

  /** Progress lines at most this often when stdout is not a terminal (logs of a pod). */
  private static final long LOG_INTERVAL_NANOS = 5_000_000_000L;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--base", required = true, description = "Base model directory.")
  Path base;

  @Option(
      names = "--dataset",
      required = true,
      description =
          "Training data, JSON Lines: a path, file://, https://, or pvc://CLAIM/PATH and"
              + " configmap://NAME/KEY under $MODELFORGE_SOURCE_ROOT.")
  String dataset;

  @Option(names = "--config", required = true, description = "Training config, YAML or JSON.")
  Path config;

  @Option(names = "--output", required = true, description = "Directory for the result.")
  Path output;

  @Option(
      names = "--source-root",
      description =
          "Where pvc:// and configmap:// datasets are mounted (default: $MODELFORGE_SOURCE_ROOT"
              + " or /mnt/sources).")
  Path sourceRoot;

  @Option(names = "--resume", description = "Continue from the latest checkpoint in OUTPUT.")
  boolean resume;

  @Option(
      names = "--dump-first-step",
      paramLabel = "DIR",
      description = {
        "Write what the first optimizer step saw to DIR, so another framework can redo it:",
        "step-1.safetensors (value.NAME and grad.NAME of every trainable parameter, before the",
        "update and before clipping) and step-1.json (loss, grad_norm, learning_rate, batches)."
      })
  Path dumpFirstStep;

  @Option(names = "--threads", description = "Kernel threads (default: all cores).")
  Integer threads;

  @Option(
      names = Device.FLAG,
      description = "Where the kernels run: cpu (default; the only backend this runtime has).")
  String device;

  @Override
  public Integer call() throws IOException {
    DeviceSupport.require(device);
    OperatorDataset expected = OperatorDataset.read(config);
    TrainingConfig training = readConfig(config, ModelConfig.read(base).architecture().isGpt2());
    Path data = DatasetSource.resolve(dataset, sourceRoot);
    expected.checkRows(data);
    Files.createDirectories(output);
    PrintWriter out = spec.commandLine().getOut();
    TrainingProgressFile file = new TrainingProgressFile(output);
    ConsoleProgress console = new ConsoleProgress(out, System.console() != null);
    TrainingProgress.Listener listener =
        p -> {
          file.onProgress(p);
          console.onProgress(p);
        };
    int n = threads == null ? Parallel.defaultThreads() : threads;
    if (n < 1) {
      throw new IllegalArgumentException("--threads must be at least 1, got " + n);
    }
    TrainingResult result;
    Optional<ProgressPublisher> publisher =
        ProgressPublisher.fromEnvironment(
                System.getenv(), file.file(), spec.commandLine().getErr()::println)
            .map(p -> p.start(Duration.ofSeconds(5)));
    try {
      try (Parallel pool = new Parallel(n)) {
        Tokenizer tokenizer = Tokenizer.load(base);
        ChatRenderer chat =
            tokenizer.chatTemplate().map(t -> new ChatTemplate(t, tokenizer)).orElse(null);
        result =
            FineTuning.run(
                base, data, training, output, resume, pool, listener, chat, dumpFirstStep);
      } catch (RuntimeException | IOException e) {
        file.failed(String.valueOf(e.getMessage()));
        throw e;
      }
      String summary =
          String.format(
              "trained %d steps%s: loss %.4f%s; wrote %s to %s",
              result.steps(),
              result.stoppedEarly() ? " (stopped early)" : "",
              result.trainLoss(),
              Double.isNaN(result.validationLoss())
                  ? ""
                  : String.format(
                      ", validation loss %.4f (perplexity %.2f)",
                      result.validationLoss(), result.validationPerplexity()),
              training.isLora() ? "a LoRA adapter" : "the model",
              output);
      file.onProgress(
          new TrainingProgress(
              "completed",
              result.steps(),
              result.steps(),
              training.epochs(),
              result.trainLoss(),
              result.validationLoss(),
              0,
              0,
              0,
              summary));
      console.finish();
      out.println(summary);
      out.flush();
      return 0;
    } finally {
      publisher.ifPresent(ProgressPublisher::close);
    }
  }

  /** YAML is a superset of JSON, so one parser reads both kinds of config file. */
  static TrainingConfig readConfig(Path file, boolean gpt2) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--config " + file + " does not exist");
    }
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          file + " is not valid YAML or JSON: " + e.getOriginalMessage());
    }
    if (root instanceof ObjectNode o && o.has("dataset")) {
      o = o.deepCopy();
      JsonNode split = o.path("dataset").path("validationSplit");
      o.remove("dataset");
      if (split.isNumber()) {
        JsonNode h = o.path("hyperparameters");
        ObjectNode hyper = h instanceof ObjectNode ho ? ho : o.putObject("hyperparameters");
        if (!hyper.has("validationSplit")) {
          hyper.set("validationSplit", split);
        }
      }
      root = o;
    }
    try {
      return TrainingConfig.parse(root, gpt2);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** One line per step, rewritten in place on a terminal, every few seconds in a log. */
  private static final class ConsoleProgress implements TrainingProgress.Listener {
    private final PrintWriter out;
    private final boolean terminal;
    private long lastLine;
    private boolean open;

    ConsoleProgress(PrintWriter out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
    }

    @Override
    public void onProgress(TrainingProgress p) {
      long now = System.nanoTime();
      // A message (resumed from, checkpoint, ...) is an event worth its own line.
      boolean phaseChange =
          !p.phase().equals("training") || (p.message() != null && !p.message().isEmpty());
      if (terminal) {
        out.print("\r" + p.line() + "\u001b[K");
        open = true;
        if (phaseChange) {
          out.println();
          open = false;
        }
      } else if (phaseChange || now - lastLine > LOG_INTERVAL_NANOS || p.step() == p.totalSteps()) {
        out.println(p.line());
        lastLine = now;
      }
      out.flush();
    }

    void finish() {
      if (open) {
        out.println();
      }
    }
  }
}
