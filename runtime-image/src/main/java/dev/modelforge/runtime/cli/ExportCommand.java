package dev.modelforge.runtime.cli;

import dev.modelforge.engine.train.FineTuning;
import dev.modelforge.engine.train.Lora;
import dev.modelforge.engine.train.LoraSettings;
import dev.modelforge.engine.train.ModelParameters;
import dev.modelforge.engine.train.PeftAdapter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
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
      "directory of F32 safetensors with its tokenizer files; --adapter without --merge checks the",
      "adapter against the model and copies it. GGUF export is not available yet."
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

  @Option(names = "--out", required = true, description = "Directory to write.")
  Path out;

  @Override
  public Integer call() throws IOException {
    switch (format.toLowerCase(Locale.ROOT)) {
      case "safetensors" -> {}
      case "gguf" ->
          throw new IllegalArgumentException(
              "GGUF export is not available yet; use --format safetensors");
      default ->
          throw new IllegalArgumentException(
              "--format must be safetensors or gguf, got '" + format + "'");
    }
    if (merge && adapter == null) {
      throw new IllegalArgumentException("--merge needs --adapter DIR");
    }
    ModelParameters params = ModelParameters.load(model);
    String what;
    if (adapter != null) {
      if (!PeftAdapter.existsIn(adapter)) {
        throw new IllegalArgumentException(
            adapter + " has no " + PeftAdapter.CONFIG_FILE + "; is it a LoRA adapter directory?");
      }
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
}
