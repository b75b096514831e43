package dev.modelforge.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.model.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one reader of PEFT adapter directories: what serving ({@link LoraAdapter#load}) and training
 * accept is decided here, so each rule is checked once, through the serving path.
 */
class PeftAdapterFilesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelConfig BASE = TestModels.config("llama-gqa");
  private static final String Q = "model.layers.0.self_attn.q_proj";
  @TempDir Path tmp;

  /** A rank-2 adapter of layer 0's q_proj (and of {@code extra} modules), its config edited. */
  private Path adapter(Consumer<ObjectNode> edit, String... extra) throws IOException {
    Path dir = tmp.resolve("adapter");
    LoraSettings s = new LoraSettings(2, 4, 0, List.of("q_proj"));
    Map<String, LoraAdapter.Pair> modules = new LinkedHashMap<>();
    modules.put(Q, pair(BASE.dim(), BASE.qDim()));
    for (String m : extra) {
      modules.put(m, pair(BASE.dim(), BASE.qDim()));
    }
    PeftAdapterFiles.write(dir, s, "/models/base", false, modules);
    Path config = dir.resolve(PeftAdapterFiles.CONFIG_FILE);
    ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
    edit.accept(c);
    JSON.writeValue(config.toFile(), c);
    return dir;
  }

  private static LoraAdapter.Pair pair(int in, int out) {
    float[] a = new float[2 * in];
    float[] b = new float[out * 2];
    for (int i = 0; i < a.length; i++) {
      a[i] = i * 0.01f;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = -i * 0.02f;
    }
    return new LoraAdapter.Pair(a, b, in, out);
  }

  @Test
  void whatIsWrittenReadsBackWithItsSettingsAndMatrices() throws IOException {
    Path dir = adapter(c -> {});
    LoraAdapter a = LoraAdapter.load("a", dir, BASE);
    assertThat(a.rank()).isEqualTo(2);
    assertThat(a.scaling()).isEqualTo(2f);
    assertThat(a.pair(0, LoraTarget.Q).a()).containsExactly(pair(BASE.dim(), BASE.qDim()).a());
    assertThat(a.pair(0, LoraTarget.Q).b()).containsExactly(pair(BASE.dim(), BASE.qDim()).b());
    assertThat(a.pair(0, LoraTarget.K)).isNull();
    assertThat(a.pair(1, LoraTarget.Q)).isNull();
    try (PeftAdapterFiles files = PeftAdapterFiles.open(dir)) {
      assertThat(files.settings().targetModules()).containsExactly("q_proj");
    }
  }

  @Test
  void aMissingAlphaIsPeftsDefaultOfEight() throws IOException {
    Path dir = adapter(c -> c.remove("lora_alpha"));
    assertThat(LoraAdapter.load("a", dir, BASE).scaling()).isEqualTo(4f);
  }

  @Test
  void missingTargetModulesAreTheKindsStored() throws IOException {
    Path dir = adapter(c -> c.remove("target_modules"), "model.layers.1.mlp.up_proj");
    try (PeftAdapterFiles files = PeftAdapterFiles.open(dir)) {
      assertThat(files.settings().targetModules()).containsExactly("q_proj", "up_proj");
    }
  }

  @Test
  void rsLoraScalesByTheRootOfTheRank() throws IOException {
    Path dir = adapter(c -> c.put("use_rslora", true));
    assertThat(LoraAdapter.load("a", dir, BASE).scaling()).isEqualTo((float) (4 / Math.sqrt(2)));
  }

  @Test
  void doraAndPerModuleRanksAreRefusedByName() throws IOException {
    assertRefused(adapter(c -> c.put("use_dora", true)), "DoRA");
    assertRefused(adapter(c -> c.putObject("rank_pattern").put("q_proj", 4)), "rank_pattern");
    assertRefused(adapter(c -> c.putObject("alpha_pattern").put("q_proj", 4)), "alpha_pattern");
  }

  @Test
  void aConfigThatIsNotLoraIsRefused() throws IOException {
    assertRefused(adapter(c -> c.put("peft_type", "IA3")), "only LORA");
    assertRefused(adapter(c -> c.put("r", 0)), "r must be a positive integer");
    assertRefused(adapter(c -> c.put("r", "2")), "r must be a positive integer");
    assertRefused(adapter(c -> c.put("lora_alpha", "x")), "lora_alpha must be a number");
  }

  @Test
  void matricesForLayersTheModelLacksAreRefused() throws IOException {
    Path dir = adapter(c -> {}, "model.layers.7.self_attn.q_proj");
    assertRefused(dir, "model.layers.7.self_attn.q_proj");
  }

  @Test
  void anAdapterWithNoneOfTheModelsLayersIsRefused() throws IOException {
    Path dir = adapter(c -> {});
    ModelConfig gpt2 = TestModels.config("gpt2");
    assertThatThrownBy(() -> LoraAdapter.load("a", dir, gpt2))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("holds no LoRA weights");
  }

  @Test
  void aModuleWithOnlyOneMatrixIsRefused() throws IOException {
    Path dir = tmp.resolve("half");
    Files.createDirectories(dir);
    new SafetensorsWriter()
        .addF32(
            "base_model.model." + Q + ".lora_A.weight",
            new long[] {2, BASE.dim()},
            new float[2 * BASE.dim()])
        .write(dir.resolve(PeftAdapterFiles.WEIGHTS_FILE));
    Files.writeString(
        dir.resolve(PeftAdapterFiles.CONFIG_FILE), "{\"peft_type\": \"LORA\", \"r\": 2}");
    assertRefused(dir, "only one of lora_A and lora_B");
  }

  private static void assertRefused(Path dir, String message) {
    assertThatThrownBy(() -> LoraAdapter.load("a", dir, BASE))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(message);
  }
}
