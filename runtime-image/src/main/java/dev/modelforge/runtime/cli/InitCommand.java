package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.init.Preset;
import dev.modelforge.engine.init.RandomModelWriter;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge init}: a Hugging Face model directory with seeded random weights. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Write a model directory (config.json, model.safetensors, generation_config.json) with",
      "seeded random weights in one of the preset shapes, for tests, benchmarks and training from",
      "scratch. Presets: tiny, small, qwen-small, qwen3-small, gpt2-small, tinyllama-1b."
    })
public final class InitCommand implements Callable<Integer> {

  /** Files of a tokenizer directory that travel with a model. */
  private static final String[] TOKENIZER_FILES = {
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt"
  };

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--preset",
      required = true,
      description = "Model shape: ${COMPLETION-CANDIDATES}")
  String preset;

  @Option(names = "--out", required = true, description = "Directory to write (created).")
  Path out;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--tokenizer",
      description = "Directory with a tokenizer.json to copy; the vocabulary is sized to it.")
  Path tokenizer;

  @Option(
      names = "--dtype",
      defaultValue = "f32",
      description = "Stored weight type: f32, f16 or bf16 (default ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--layers", description = "Override the preset's number of blocks.")
  Integer layers;

  @Option(names = "--dim", description = "Override the preset's width C.")
  Integer dim;

  @Option(names = "--heads", description = "Override the preset's attention heads (and KV heads).")
  Integer heads;

  @Option(names = "--ffn", description = "Override the preset's MLP width.")
  Integer ffn;

  @Option(names = "--context", description = "Override the preset's context length.")
  Integer context;

  @Override
  public Integer call() throws IOException {
    Preset p = Preset.fromCliName(preset);
    DType type =
        DType.parse(dtype)
            .filter(t -> !t.isQuantized())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--dtype must be f32, f16 or bf16, got '" + dtype + "'"));
    int vocab = p.defaultVocabSize();
    if (tokenizer != null) {
      vocab = tokenizerVocabSize(tokenizer.resolve("tokenizer.json"));
    }
    ModelConfig config = withOverrides(p.config(vocab, type.shortName()));
    new RandomModelWriter(config, seed, type).write(out);
    if (tokenizer != null) {
      for (String f : TOKENIZER_FILES) {
        Path src = tokenizer.resolve(f);
        if (Files.exists(src)) {
          Files.copy(src, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    spec.commandLine()
        .getOut()
        .printf(
            "wrote %s: %s preset (%s, %d layers, dim %d, vocab %d) as %s, seed %d%n",
            out,
            p.cliName(),
            config.architecture().hfClass(),
            config.layers(),
            config.dim(),
            vocab,
            type,
            seed);
    return 0;
  }

  /**
   * The preset with the shape options applied: benchmark shapes (GPT-2 with 4 layers of 256) and
   * the tiny models trained from scratch in tests need no preset of their own.
   */
  private ModelConfig withOverrides(ModelConfig c) {
    int d = dim != null ? dim : c.dim();
    int h = heads != null ? heads : c.heads();
    int kv = heads != null ? h : c.kvHeads();
    if (d % h != 0) {
      throw new IllegalArgumentException("--dim " + d + " is not a multiple of " + h + " heads");
    }
    return new ModelConfig(
        c.architecture(),
        d,
        layers != null ? layers : c.layers(),
        h,
        kv,
        d / h,
        ffn != null ? ffn : (dim != null ? 4 * d : c.ffnDim()),
        c.vocabSize(),
        context != null ? context : c.maxPositions(),
        c.normEps(),
        c.rope(),
        c.tiedEmbeddings(),
        c.qkvBias(),
        c.torchDtype());
  }

  /** One past the largest id in the tokenizer's vocabulary and added tokens. */
  static int tokenizerVocabSize(Path tokenizerJson) throws IOException {
    if (!Files.exists(tokenizerJson)) {
      throw new IllegalArgumentException(tokenizerJson + " does not exist");
    }
    JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
    int max = -1;
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
        max = Math.max(max, id.asInt());
      }
    }
    for (JsonNode added : root.path("added_tokens")) {
      max = Math.max(max, added.path("id").asInt());
    }
    if (max < 0) {
      throw new IllegalArgumentException(tokenizerJson + " has no vocabulary");
    }
    return max + 1;
  }
}
