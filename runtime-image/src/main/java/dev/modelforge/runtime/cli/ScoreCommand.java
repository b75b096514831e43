package dev.modelforge.runtime.cli;

import dev.modelforge.engine.generate.PromptScorer;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code modelforge score}: the model's next-token log-probabilities after every prefix of a
 * prompt, one forward pass over it. What a reference implementation's {@code log_softmax(logits)}
 * is compared with (the conformance suite does so against Hugging Face Transformers).
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Scores a prompt: prints one JSON line with prompt_ids, vocab_size and logprobs (the",
      "log-probability of each prompt token given those before it; null for the first).",
      "--logprobs-out FILE also writes the whole distribution at every position: T rows of",
      "vocab_size little-endian float32 log-probabilities, row t following tokens 0..t.",
      "--sampling-out FILE writes, in the same layout, the probabilities sampling with the",
      "given --temperature, --top-k, --top-p, --min-p and --repetition-penalty would draw",
      "from at every position (0 for filtered tokens; the prefix counts as the prompt).",
      "--adapter DIR scores through a PEFT LoRA adapter, as the server runs one."
    })
public final class ScoreCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @ArgGroup(exclusive = true, multiplicity = "1")
  GenerateCommand.Prompt prompt;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description = "A PEFT LoRA adapter directory to run the model through.")
  Path adapter;

  @Option(names = "--no-special", description = "Do not add the tokenizer's special tokens (BOS).")
  boolean noSpecial;

  @Option(
      names = "--logprobs-out",
      paramLabel = "FILE",
      description = "Write every position's log-probabilities over the vocabulary here.")
  Path logprobsOut;

  @Option(
      names = "--sampling-out",
      paramLabel = "FILE",
      description =
          "Write every position's sampling distribution (after penalties and filters) here.")
  Path samplingOut;

  @Mixin SamplingFilterOptions filters;

  @Override
  public Integer call() throws IOException {
    try (LoadedModel loaded = LoadedModel.open(modelOptions.model, modelOptions.quantizeType());
        Parallel pool = new Parallel(modelOptions.threadCount())) {
      int[] ids = promptIds();
      int vocab = loaded.model().config().vocabSize();
      for (int id : ids) {
        if (id < 0 || id >= vocab) {
          throw new CommandFailure(
              "prompt token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
      }
      LoraAdapter lora =
          adapter == null ? null : LoraAdapter.load("adapter", adapter, loaded.model().config());
      var scorer = new PromptScorer(loaded.model(), pool);
      float[] rows = scorer.logprobRows(ids, lora);
      Float[] chosen = new Float[ids.length];
      for (int t = 1; t < ids.length; t++) {
        chosen[t] = rows[(t - 1) * vocab + ids[t]];
      }
      if (logprobsOut != null) {
        write(rows, logprobsOut);
      }
      if (samplingOut != null) {
        write(scorer.samplingRows(ids, filters.toParams(), lora), samplingOut);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("prompt_ids", ids);
      out.put("vocab_size", vocab);
      out.put("logprobs", chosen);
      spec.commandLine().getOut().println(JsonOutput.line(out));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  private int[] promptIds() throws IOException {
    if (prompt.ids != null) {
      return prompt.ids;
    }
    Tokenizer tokenizer =
        ModelTokenizer.find(modelOptions.model)
            .orElseThrow(
                () ->
                    new CommandFailure(
                        ModelTokenizer.missing(modelOptions.model)
                            + "; pass --prompt-ids instead of --prompt"));
    return tokenizer.encode(prompt.text, !noSpecial);
  }

  private static void write(float[] rows, Path file) throws IOException {
    ByteBuffer buffer =
        ByteBuffer.allocate(rows.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(rows);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(buffer.array());
    }
  }
}
