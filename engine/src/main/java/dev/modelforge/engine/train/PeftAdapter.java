package dev.modelforge.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A LoRA adapter directory as Hugging Face PEFT writes and reads it: {@code adapter_config.json}
 * and {@code adapter_model.safetensors} with tensors named {@code
 * base_model.model.<module>.lora_A.weight} {@code [r, in]} and {@code .lora_B.weight} {@code [out,
 * r]}.
 */
public final class PeftAdapter {

  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  static final String PREFIX = "base_model.model.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PeftAdapter() {}

  public static boolean existsIn(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG_FILE));
  }

  /** Writes the adapters attached to {@code params}. */
  public static void save(ModelParameters params, LoraSettings settings, String baseModel, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    SafetensorsWriter out = new SafetensorsWriter();
    for (Parameter p : params.loraParameters()) {
      int[] s = p.shape();
      out.addF32(PREFIX + p.name(), new long[] {s[0], s[1]}, p.value());
    }
    out.write(dir.resolve(WEIGHTS_FILE));
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "CAUSAL_LM");
    c.put("base_model_name_or_path", baseModel);
    c.put("r", settings.rank());
    c.put("lora_alpha", settings.alpha());
    c.put("lora_dropout", settings.dropout());
    settings.targetModules().forEach(c.putArray("target_modules")::add);
    c.put("bias", "none");
    // PEFT sets this for GPT-2's Conv1D layers; the adapter matrices have the same shapes either
    // way
    c.put("fan_in_fan_out", params.config().architecture().isGpt2());
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.put("use_rslora", settings.rsLora());
    c.put("use_dora", false);
    c.putNull("modules_to_save");
    c.putObject("rank_pattern");
    c.putObject("alpha_pattern");
    Path tmp = dir.resolve(CONFIG_FILE + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), c);
    Files.move(tmp, dir.resolve(CONFIG_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The settings stored in an adapter directory's {@code adapter_config.json}. */
  public static LoraSettings readSettings(Path dir) {
    Path file = dir.resolve(CONFIG_FILE);
    JsonNode c;
    try {
      c = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw ModelFormatException.of(file, "cannot be read as JSON: " + e.getMessage());
    }
    if (c == null || !"LORA".equals(c.path("peft_type").asText())) {
      throw ModelFormatException.of(file, "is not a LoRA adapter config (peft_type must be LORA)");
    }
    if (!c.path("r").canConvertToInt() || !c.path("lora_alpha").isNumber()) {
      throw ModelFormatException.of(file, "needs numeric 'r' and 'lora_alpha'");
    }
    if (c.path("use_dora").asBoolean(false)) {
      throw ModelFormatException.of(file, "is a DoRA adapter, which ModelForge does not support");
    }
    List<String> targets = new ArrayList<>();
    JsonNode t = c.path("target_modules");
    if (t.isTextual()) {
      targets.add(t.asText());
    } else {
      t.forEach(n -> targets.add(n.asText()));
    }
    return new LoraSettings(
        c.get("r").asInt(),
        c.get("lora_alpha").asDouble(),
        c.path("lora_dropout").asDouble(0),
        targets,
        c.path("use_rslora").asBoolean(false));
  }

  /**
   * Attaches the adapter stored in {@code dir} to the matching layers of {@code params}, checking
   * that every stored tensor has a layer and the right shape.
   */
  public static LoraSettings load(ModelParameters params, Path dir) {
    LoraSettings settings = readSettings(dir);
    Path weights = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(weights)) {
      throw ModelFormatException.of(dir, "has " + CONFIG_FILE + " but no " + WEIGHTS_FILE);
    }
    try (SafetensorsStore store = SafetensorsStore.openFile(weights)) {
      int attached = 0;
      for (Linear l : params.linears()) {
        String a = PREFIX + l.module() + ".lora_A.weight";
        String b = PREFIX + l.module() + ".lora_B.weight";
        if (store.find(a).isEmpty()) {
          continue;
        }
        int r = settings.rank();
        LoraAdapter adapter =
            new LoraAdapter(
                new Parameter(
                    l.module() + ".lora_A.weight", read(store, a, weights, r, l.in()), r, l.in()),
                new Parameter(
                    l.module() + ".lora_B.weight", read(store, b, weights, l.out(), r), l.out(), r),
                r,
                settings.scaling(),
                settings.dropout());
        l.attach(adapter);
        attached++;
      }
      long stored = store.names().stream().filter(n -> n.endsWith(".lora_A.weight")).count();
      if (attached != stored || attached == 0) {
        throw ModelFormatException.of(
            weights,
            "holds "
                + stored
                + " LoRA A matrices but "
                + attached
                + " match layers of the base model; is it an adapter for this model?");
      }
    }
    return settings;
  }

  private static float[] read(SafetensorsStore store, String name, Path file, int rows, int cols) {
    TensorData t = store.get(name);
    if (!Arrays.equals(t.shape(), new long[] {rows, cols})) {
      throw ModelFormatException.of(
          file, name, "has shape " + t.shapeString() + ", expected [" + rows + ", " + cols + "]");
    }
    return t.toFloats();
  }
}
