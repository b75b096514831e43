package dev.modelforge.engine.lora;

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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A LoRA adapter directory as Hugging Face PEFT writes and reads it, read and written here only:
 * serving, training and merging all go through it, so one set of rules decides what an adapter is.
 * {@code adapter_config.json} holds the settings; {@code adapter_model.safetensors} holds, per
 * adapted module, {@code base_model.model.<module>.lora_A.weight} {@code [r, in]} and {@code
 * .lora_B.weight} {@code [out, r]}.
 *
 * <p>Opened, the matrices wait until a model claims each module's with {@link #take(String, int,
 * int)}; {@link #requireAllClaimed(String, int)} then refuses an adapter with matrices for layers
 * the model does not have.
 */
public final class PeftAdapterFiles implements AutoCloseable {

  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  private static final String PREFIX = "base_model.model.";
  private static final String A_SUFFIX = ".lora_A.weight";
  private static final String B_SUFFIX = ".lora_B.weight";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final LoraSettings settings;
  private final Map<String, TensorData[]> unclaimed;
  private final SafetensorsStore store;

  private PeftAdapterFiles(
      Path dir, LoraSettings settings, SafetensorsStore store, Map<String, TensorData[]> modules) {
    this.dir = dir;
    this.settings = settings;
    this.store = store;
    this.unclaimed = modules;
  }

  public static boolean existsIn(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG_FILE));
  }

  /**
   * The settings in {@code dir}'s {@code adapter_config.json}. Refused, naming the file: a
   * peft_type other than LORA, a rank that is not a positive integer, a non-numeric alpha, DoRA,
   * and per-module ranks or alphas ({@code rank_pattern}, {@code alpha_pattern}), which the engine
   * does not apply. A missing {@code lora_alpha} is PEFT's default, 8; missing {@code
   * target_modules} are the kinds of the modules stored ({@code storedKinds}).
   */
  private static LoraSettings readSettings(Path dir, Set<String> storedKinds) {
    Path file = dir.resolve(CONFIG_FILE);
    JsonNode c;
    try {
      c = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw ModelFormatException.of(file, "is not valid JSON: " + e.getMessage());
    }
    if (c == null || !c.isObject()) {
      throw ModelFormatException.of(file, "is not a JSON object");
    }
    if (!"LORA".equals(c.path("peft_type").asText("LORA"))) {
      throw ModelFormatException.of(
          file, "peft_type is " + c.get("peft_type") + "; only LORA adapters are supported");
    }
    if (!c.path("r").canConvertToExactIntegral() || c.path("r").asInt() < 1) {
      throw ModelFormatException.of(file, "r must be a positive integer, got " + c.get("r"));
    }
    if (c.has("lora_alpha") && !c.get("lora_alpha").isNumber()) {
      throw ModelFormatException.of(
          file, "lora_alpha must be a number, got " + c.get("lora_alpha"));
    }
    if (c.path("use_dora").asBoolean(false)) {
      throw ModelFormatException.of(file, "is a DoRA adapter (use_dora), which is not supported");
    }
    for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
      JsonNode p = c.path(pattern);
      if (p.isObject() && !p.isEmpty()) {
        throw ModelFormatException.of(
            file, "sets per-module " + pattern + " " + p + ", which is not supported");
      }
    }
    List<String> targets = new ArrayList<>();
    JsonNode t = c.path("target_modules");
    if (t.isTextual()) {
      targets.add(t.asText());
    } else {
      t.forEach(n -> targets.add(n.asText()));
    }
    if (targets.isEmpty()) {
      targets.addAll(storedKinds);
    }
    try {
      return new LoraSettings(
          c.get("r").asInt(),
          c.path("lora_alpha").asDouble(8),
          c.path("lora_dropout").asDouble(0),
          targets,
          c.path("use_rslora").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw ModelFormatException.of(file, e.getMessage());
    }
  }

  /**
   * Opens the adapter in {@code dir}: its settings, and every module's A and B (both present, both
   * two-dimensional, A with r rows and B with r columns). Close it when the model has claimed its
   * matrices.
   */
  public static PeftAdapterFiles open(Path dir) {
    if (!Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
      throw ModelFormatException.of(dir, "has no " + CONFIG_FILE + "; is it a PEFT LoRA adapter?");
    }
    Path weights = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(weights)) {
      throw ModelFormatException.of(dir, "has " + CONFIG_FILE + " but no " + WEIGHTS_FILE);
    }
    SafetensorsStore store = SafetensorsStore.openFile(weights);
    try {
      Map<String, TensorData[]> modules = new LinkedHashMap<>();
      Set<String> kinds = new LinkedHashSet<>();
      for (String name : new TreeSet<>(store.names())) {
        boolean isA = name.endsWith(A_SUFFIX);
        if (!isA && !name.endsWith(B_SUFFIX)) {
          continue;
        }
        String module = name.substring(0, name.length() - A_SUFFIX.length());
        if (!module.startsWith(PREFIX)) {
          throw ModelFormatException.of(weights, name, "does not start with " + PREFIX);
        }
        module = module.substring(PREFIX.length());
        modules.computeIfAbsent(module, m -> new TensorData[2])[isA ? 0 : 1] = store.get(name);
        kinds.add(module.substring(module.lastIndexOf('.') + 1));
      }
      LoraSettings settings = readSettings(dir, kinds);
      int r = settings.rank();
      for (var e : modules.entrySet()) {
        TensorData a = e.getValue()[0];
        TensorData b = e.getValue()[1];
        if (a == null || b == null) {
          throw ModelFormatException.of(
              weights, PREFIX + e.getKey(), "has only one of lora_A and lora_B");
        }
        if (a.rank() != 2 || a.dim(0) != r || b.rank() != 2 || b.dim(1) != r) {
          throw ModelFormatException.of(
              weights,
              PREFIX + e.getKey(),
              "has lora_A "
                  + a.shapeString()
                  + " and lora_B "
                  + b.shapeString()
                  + ", expected [r, in] and [out, r] with r = "
                  + r);
        }
      }
      return new PeftAdapterFiles(dir, settings, store, modules);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  public LoraSettings settings() {
    return settings;
  }

  /**
   * The matrices of {@code module}, a layer of the base model that maps {@code in} features to
   * {@code out}, or null when the adapter leaves it alone.
   */
  public LoraAdapter.Pair take(String module, int in, int out) {
    TensorData[] ab = unclaimed.remove(module);
    if (ab == null) {
      return null;
    }
    if (ab[0].dim(1) != in || ab[1].dim(0) != out) {
      int r = settings.rank();
      throw ModelFormatException.of(
          dir.resolve(WEIGHTS_FILE),
          PREFIX + module,
          "has lora_A "
              + ab[0].shapeString()
              + " and lora_B "
              + ab[1].shapeString()
              + ", expected ["
              + r
              + ", "
              + in
              + "] and ["
              + out
              + ", "
              + r
              + "] for the base model's layer");
    }
    return new LoraAdapter.Pair(ab[0].toFloats(), ab[1].toFloats(), in, out);
  }

  /**
   * Refuses an adapter that adapted none of {@code model}'s layers, or holds matrices for layers it
   * does not have (an adapter trained for another model).
   */
  public void requireAllClaimed(String model, int claimed) {
    Path weights = dir.resolve(WEIGHTS_FILE);
    if (claimed == 0) {
      throw ModelFormatException.of(
          weights, "holds no LoRA weights for this base model's layers (" + model + ")");
    }
    if (!unclaimed.isEmpty()) {
      throw ModelFormatException.of(
          weights,
          "holds LoRA weights for "
              + unclaimed.size()
              + " modules the base model ("
              + model
              + ") does not have, e.g. "
              + unclaimed.keySet().iterator().next()
              + "; is it an adapter for this model?");
    }
  }

  /** Closes the weights file; claimed matrices are copies and stay valid. */
  @Override
  public void close() {
    store.close();
  }

  /**
   * Writes an adapter directory PEFT loads: {@code modules} maps each adapted module path to its
   * matrices, {@code fanInFanOut} is what PEFT records for GPT-2's Conv1D layers. The config is
   * written last, through a temporary file, so a directory with a config is complete.
   */
  public static void write(
      Path dir,
      LoraSettings settings,
      String baseModel,
      boolean fanInFanOut,
      Map<String, LoraAdapter.Pair> modules)
      throws IOException {
    Files.createDirectories(dir);
    SafetensorsWriter out = new SafetensorsWriter();
    int r = settings.rank();
    modules.forEach(
        (module, p) -> {
          out.addF32(PREFIX + module + A_SUFFIX, new long[] {r, p.in()}, p.a());
          out.addF32(PREFIX + module + B_SUFFIX, new long[] {p.out(), r}, p.b());
        });
    out.write(dir.resolve(WEIGHTS_FILE));
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "CAUSAL_LM");
    c.put("base_model_name_or_path", baseModel);
    c.put("r", r);
    c.put("lora_alpha", settings.alpha());
    c.put("lora_dropout", settings.dropout());
    settings.targetModules().forEach(c.putArray("target_modules")::add);
    c.put("bias", "none");
    c.put("fan_in_fan_out", fanInFanOut);
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.put("use_rslora", settings.rsLora());
    c.put("use_dora", false);
    c.putNull("modules_to_save");
    c.putObject("rank_pattern");
    c.putObject("alpha_pattern");
    Path tmp = dir.resolve(CONFIG_FILE + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), c);
    Files.move(tmp, dir.resolve(CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING);
  }
}
