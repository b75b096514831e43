package dev.modelforge.runtime.cli;

import dev.modelforge.contract.args.ExportArgs;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.format.gguf.GgufModelWriter;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.lora.PeftAdapterFiles;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tokenizer.LlamaCppVocabulary;
import dev.modelforge.engine.train.FineTuning;
import dev.modelforge.engine.train.Lora;
import dev.modelforge.engine.train.ModelParameters;
import dev.modelforge.engine.train.PeftAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge export}: a model, or a model with its LoRA adapter merged, for serving. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write --model (with --adapter merged into it when --merge) as a Hugging Face model",
      "directory of F32 safetensors with its tokenizer files, or with --format gguf as one",
      "llama.cpp file, OUT/<model directory name>.gguf, holding the weights, the architecture",
      "metadata and the tokenizer (tokenizer.ggml.*, chat template), so llama.cpp and",
      "`modelforge generate/serve --model FILE.gguf` need nothing beside it. --adapter without",
      "--merge checks the adapter against the model and copies it (safetensors only)."
    })
public final class ExportCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "Base model directory.")
  Path model;

  @Option(names = "--adapter", description = "PEFT LoRA adapter directory.")
  Path adapter;

  @Option(names = "--merge", description = "Fold the adapter into the weights.")
  boolean merge;

  @Option(
      names = "--format",
      defaultValue = "safetensors",
      description = "safetensors (default) or gguf.")
  String format;

  @Option(
      names = "--dtype",
      description = {
        "GGUF only: f32, f16 or bf16 for every matrix (norms and biases stay f32), or q8_0 /",
        "q4_0 for the weight matrices (embeddings keep their type, except a tied one, which is",
        "the output matrix too, as llama.cpp's converter writes it). Default: the source's type",
        "(F32, F16 or BF16 are all GGUF types; a merged model is written in the base's type)."
      })
  String dtype;

  @Option(names = "--out", required = true, description = "Directory to write.")
  Path out;

  @Override
  public Integer call() throws IOException {
    boolean gguf = ExportArgs.Format.parse(format) == ExportArgs.Format.GGUF;
    if (merge && adapter == null) {
      throw new IllegalArgumentException("--merge needs --adapter DIR");
    }
    if (!Files.isDirectory(model)) {
      throw new IllegalArgumentException(
          "--model "
              + model
              + (Files.exists(model) ? " is not a directory" : " does not exist")
              + "; export reads a Hugging Face model directory (config.json, safetensors)");
    }
    if (adapter != null && !PeftAdapterFiles.existsIn(adapter)) {
      throw new IllegalArgumentException(
          adapter
              + " has no "
              + PeftAdapterFiles.CONFIG_FILE
              + "; is it a LoRA adapter directory?");
    }
    if (gguf) {
      return exportGguf(parseDtype());
    }
    if (dtype != null) {
      throw new IllegalArgumentException(
          "--dtype applies to --format gguf; safetensors are written as F32");
    }
    ModelParameters params = ModelParameters.load(model);
    String what;
    if (adapter != null) {
      LoraSettings settings = PeftAdapter.load(params, adapter);
      if (merge) {
        Lora.merge(params);
        params.saveModel(out);
        what = "the model with the rank-" + settings.rank() + " adapter merged";
      } else {
        PeftAdapter.save(params, settings, model.toAbsolutePath().toString(), out);
        what = "the rank-" + settings.rank() + " adapter";
      }
    } else {
      params.saveModel(out);
      what = "the model";
    }
    FineTuning.copyCompanionFiles(model, out);
    spec.commandLine().getOut().printf("wrote %s to %s as safetensors%n", what, out);
    return 0;
  }

  private int exportGguf(DType type) throws IOException {
    if (adapter != null && !merge) {
      throw new IllegalArgumentException(
          "--format gguf writes a whole model; add --merge to fold --adapter into it");
    }
    String name = model.toAbsolutePath().normalize().getFileName().toString();
    Path file = out.resolve(name + ".gguf");
    ModelConfig config = ModelConfig.read(model);
    LlamaCppVocabulary tokenizer =
        Files.isRegularFile(model.resolve("tokenizer.json"))
            ? LlamaCppVocabulary.fromModelDirectory(model, config.vocabSize())
            : null;
    String what = "the model";
    TensorStore tensors;
    if (adapter != null) {
      if (type == null) {
        type = storedType(model); // the merge happens in F32; write it as the base was stored
      }
      ModelParameters params = ModelParameters.load(model);
      LoraSettings settings = PeftAdapter.load(params, adapter);
      Lora.merge(params);
      tensors = params.tensors();
      what = "the model with the rank-" + settings.rank() + " adapter merged";
    } else {
      tensors = SafetensorsStore.open(model);
    }
    try (tensors) {
      Files.createDirectories(out);
      GgufModelWriter.write(config, tensors, type, tokenizer, name, file);
    }
    spec.commandLine()
        .getOut()
        .printf(
            "wrote %s to %s as GGUF (%s, %s)%n",
            what,
            file,
            type == null ? "source types" : type,
            tokenizer == null
                ? "no tokenizer: the model has no tokenizer.json"
                : "tokenizer "
                    + tokenizer.model()
                    + (tokenizer.pre() == null ? "" : " " + tokenizer.pre()));
    return 0;
  }

  private DType parseDtype() {
    if (dtype == null) {
      return null;
    }
    return DType.parse(dtype)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--dtype must be f32, f16, bf16, q8_0 or q4_0, got '" + dtype + "'"));
  }

  /** The type of the model's largest tensor: how its weights are stored. */
  private static DType storedType(Path model) {
    try (SafetensorsStore store = SafetensorsStore.open(model)) {
      return store.names().stream()
          .map(store::get)
          .max(Comparator.comparingLong(TensorData::elementCount))
          .map(TensorData::dtype)
          .orElse(DType.F32);
    }
  }
}
