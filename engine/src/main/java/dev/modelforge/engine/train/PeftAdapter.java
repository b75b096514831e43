package dev.modelforge.engine.train;

import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.lora.PeftAdapterFiles;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.LoraBranch;
import dev.modelforge.engine.train.layers.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binds a PEFT adapter directory ({@link PeftAdapterFiles}, the one reader and writer of the
 * format) to a trainable model's linear layers: saving the branches attached to them, or attaching
 * a stored adapter's matrices to them.
 */
public final class PeftAdapter {

  private PeftAdapter() {}

  /** Writes the adapters attached to {@code params}. */
  public static void save(ModelParameters params, LoraSettings settings, String baseModel, Path dir)
      throws IOException {
    Map<String, LoraAdapter.Pair> modules = new LinkedHashMap<>();
    for (Linear l : params.linears()) {
      LoraBranch branch = l.lora();
      if (branch != null) {
        modules.put(
            l.module(),
            new LoraAdapter.Pair(branch.a().value(), branch.b().value(), l.in(), l.out()));
      }
    }
    // PEFT sets fan_in_fan_out for GPT-2's Conv1D layers; the matrices have the same shapes either
    // way
    PeftAdapterFiles.write(
        dir, settings, baseModel, params.config().architecture().isGpt2(), modules);
  }

  /**
   * Attaches the adapter stored in {@code dir} to the matching layers of {@code params}, checking
   * that every stored module is a layer of the model and has its shape.
   */
  public static LoraSettings load(ModelParameters params, Path dir) {
    try (PeftAdapterFiles files = PeftAdapterFiles.open(dir)) {
      LoraSettings settings = files.settings();
      int r = settings.rank();
      int attached = 0;
      for (Linear l : params.linears()) {
        LoraAdapter.Pair pair = files.take(l.module(), l.in(), l.out());
        if (pair == null) {
          continue;
        }
        l.attach(
            new LoraBranch(
                new Parameter(l.module() + ".lora_A.weight", pair.a(), r, l.in()),
                new Parameter(l.module() + ".lora_B.weight", pair.b(), l.out(), r),
                r,
                settings.scaling(),
                settings.dropout()));
        attached++;
      }
      files.requireAllClaimed(params.config().architecture().hfClass(), attached);
      return settings;
    }
  }
}
