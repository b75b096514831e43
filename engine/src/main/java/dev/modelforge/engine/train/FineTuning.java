package dev.modelforge.engine.train;

import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.train.data.ChatRenderer;
import dev.modelforge.engine.train.data.Example;
import dev.modelforge.engine.train.data.JsonlDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * A whole fine-tuning job from directories, as {@code modelforge train} runs it: load the base
 * model and tokenizer, read and split the dataset, add LoRA adapters or unfreeze everything, train
 * with checkpoints in {@code OUTPUT/checkpoints}, and write the result to OUTPUT — a PEFT adapter
 * for LoRA, a Hugging Face model directory for full fine-tuning — with the tokenizer files.
 */
public final class FineTuning {

  /** Files that travel with a model so the output can be served and trained on its own. */
  static final String[] COMPANION_FILES = {
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "generation_config.json",
    "vocab.json",
    "merges.txt"
  };

  private FineTuning() {}

  public static TrainingResult run(
      Path base,
      Path dataset,
      TrainingConfig config,
      Path output,
      boolean resume,
      Parallel pool,
      TrainingProgress.Listener listener)
      throws IOException {
    return run(base, dataset, config, output, resume, pool, listener, null, null);
  }

  /**
   * @param chat renders {@code messages} rows with the base model's chat template, or null
   * @param firstStepDump where to write what the first optimizer step saw (see {@link
   *     Trainer#dumpFirstStep}), or null
   */
  public static TrainingResult run(
      Path base,
      Path dataset,
      TrainingConfig config,
      Path output,
      boolean resume,
      Parallel pool,
      TrainingProgress.Listener listener,
      ChatRenderer chat,
      Path firstStepDump)
      throws IOException {
    listener.onProgress(progress("loading", 0, "reading the base model and dataset"));
    Tokenizer tokenizer = Tokenizer.load(base);
    ModelParameters params = ModelParameters.load(base);
    int maxLen = Math.min(config.maxSequenceLength(), params.config().maxPositions() + 1);
    List<Example> all =
        new JsonlDataset(dataset, tokenizer, maxLen, config.truncation(), chat).read();
    List<List<Example>> split = split(all, config.validationSplit(), config.seed());
    if (config.isLora()) {
      Lora.apply(params, config.lora(), new SplittableRandom(config.seed()));
    } else {
      params.parameters().forEach(p -> p.setTrainable(true));
    }
    TrainableModel model = new TrainableModel(params, pool);
    Trainer trainer =
        new Trainer(
            model, config, split.get(0), split.get(1), output.resolve("checkpoints"), listener);
    trainer.dumpFirstStep(firstStepDump);
    TrainingResult result = trainer.run(resume);
    listener.onProgress(
        progress(
            "saving", result.steps(), "writing the " + (config.isLora() ? "adapter" : "model")));
    if (config.isLora()) {
      PeftAdapter.save(params, config.lora(), base.toAbsolutePath().toString(), output);
    } else {
      params.saveModel(output);
    }
    copyCompanionFiles(base, output);
    return result;
  }

  /** [train, validation]: a seeded shuffle, the first {@code ratio} of it held out. */
  public static List<List<Example>> split(List<Example> all, double ratio, long seed) {
    if (ratio <= 0) {
      return List.of(all, List.of());
    }
    List<Example> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(seed ^ 0x5DEECE66DL));
    int held = (int) Math.round(ratio * all.size());
    held = Math.max(1, Math.min(all.size() - 1, held));
    if (all.size() < 2) {
      throw new IllegalArgumentException(
          "validationSplit needs at least 2 examples, the dataset has " + all.size());
    }
    return List.of(shuffled.subList(held, shuffled.size()), shuffled.subList(0, held));
  }

  /** Copies the tokenizer and generation files that exist in {@code from} to {@code to}. */
  public static void copyCompanionFiles(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String f : COMPANION_FILES) {
      Path src = from.resolve(f);
      if (Files.isRegularFile(src)
          && !src.toAbsolutePath().equals(to.resolve(f).toAbsolutePath())) {
        Files.copy(src, to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static TrainingProgress progress(String phase, int step, String message) {
    return new TrainingProgress(phase, step, step, 0, Double.NaN, Double.NaN, 0, 0, -1, message);
  }
}
