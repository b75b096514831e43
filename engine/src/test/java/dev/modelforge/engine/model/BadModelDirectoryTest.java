package dev.modelforge.engine.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model directory whose files disagree with each other is refused with one clear error. */
class BadModelDirectoryTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path model() {
    return TestModels.write(dir.resolve("m"), TestModels.config("llama-gqa"), DType.F32, 3);
  }

  private static AbstractThrowableAssert<?, ?> assertRejected(Path model) {
    return assertThatThrownBy(() -> LoadedModel.open(model).close())
        .isInstanceOf(ModelFormatException.class);
  }

  private static void editConfig(Path model, Consumer<ObjectNode> edit) throws IOException {
    Path file = model.resolve("config.json");
    ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
    edit.accept(config);
    JSON.writeValue(file.toFile(), config);
  }

  /** Rewrites model.safetensors, letting {@code edit} drop or replace tensors. */
  private static void rewriteWeights(Path model, String drop, TensorData replacement)
      throws IOException {
    Path file = model.resolve("model.safetensors");
    Path copy = model.resolve("copy.tmp");
    SafetensorsWriter out = new SafetensorsWriter();
    try (SafetensorsStore store = SafetensorsStore.openFile(file)) {
      for (String name : store.names()) {
        TensorData t = store.get(name);
        if (replacement != null && name.equals(replacement.name())) {
          t = replacement;
        }
        if (!name.equals(drop)) {
          out.add(name, t.dtype(), t.shape(), t.bytes());
        }
      }
      out.write(copy);
    }
    Files.move(copy, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void missingTensor() throws IOException {
    Path model = model();
    rewriteWeights(model, "model.layers.1.mlp.up_proj.weight", null);

    assertRejected(model)
        .hasMessageStartingWith(model.toString())
        .hasMessageContaining("'model.layers.1.mlp.up_proj.weight' is missing");
  }

  @Test
  void tensorWhoseShapeDisagreesWithTheConfig() throws IOException {
    Path model = model();
    rewriteWeights(
        model,
        null,
        new TensorData(
            "model.layers.0.self_attn.o_proj.weight",
            DType.F32,
            new long[] {32, 128},
            java.lang.foreign.MemorySegment.ofArray(new float[32 * 128])));

    assertRejected(model)
        .hasMessageStartingWith(model.toString())
        .hasMessageContaining("'model.layers.0.self_attn.o_proj.weight' has shape [32, 128]")
        .hasMessageContaining("implies [64, 64]");
  }

  @Test
  void configMissingAKey() throws IOException {
    Path model = model();
    editConfig(model, c -> c.remove("intermediate_size"));

    assertRejected(model)
        .hasMessageStartingWith(model.resolve("config.json").toString())
        .hasMessageContaining("key 'intermediate_size' is missing");
  }

  @Test
  void unsupportedArchitecture() throws IOException {
    Path model = model();
    editConfig(
        model,
        c -> {
          c.putArray("architectures").add("FalconForCausalLM");
          c.put("model_type", "falcon");
        });

    assertRejected(model)
        .hasMessageStartingWith(model.resolve("config.json").toString())
        .hasMessageContaining("architecture [\"FalconForCausalLM\"] is not supported");
  }

  @Test
  void zeroHeadsIsAnErrorNotADivisionByZero() throws IOException {
    Path model = model();
    editConfig(model, c -> c.put("num_attention_heads", 0));

    assertRejected(model).hasMessageContaining("key 'num_attention_heads' is 0");
  }

  @Test
  void negativeOrAbsurdSizes() throws IOException {
    Path model = model();
    editConfig(model, c -> c.put("intermediate_size", -5));
    assertRejected(model)
        .hasMessageStartingWith(model.resolve("config.json").toString())
        .hasMessageContaining("FFN -5");

    editConfig(
        model,
        c -> {
          c.put("intermediate_size", 128);
          c.put("max_position_embeddings", Integer.MAX_VALUE);
        });
    assertRejected(model).hasMessageContaining("context length 2147483647");
  }

  @Test
  void llama3RopeScalingThatWouldDivideByZero() throws IOException {
    Path model = model();
    editConfig(
        model,
        c -> {
          ObjectNode s = c.putObject("rope_scaling");
          s.put("rope_type", "llama3");
          s.put("low_freq_factor", 4);
          s.put("high_freq_factor", 4);
        });

    assertRejected(model)
        .hasMessageStartingWith(model.resolve("config.json").toString())
        .hasMessageContaining("high_freq_factor > low_freq_factor");
  }

  @Test
  void configThatIsNotJson() throws IOException {
    Path model = model();
    Files.writeString(model.resolve("config.json"), "{\"hidden_size\": ");

    assertRejected(model)
        .hasMessageStartingWith(model.resolve("config.json").toString())
        .hasMessageContaining("is not valid JSON");
  }

  @Test
  void noConfigAtAll() throws IOException {
    Path model = model();
    Files.delete(model.resolve("config.json"));

    assertRejected(model).hasMessage(model + ": has no config.json; is it a model directory?");
  }

  @Test
  void pathThatIsNeitherADirectoryNorAGgufFile() throws IOException {
    Path bin = Files.writeString(dir.resolve("model.bin"), "weights");

    assertRejected(bin).hasMessage(bin + ": is neither a model directory nor a .gguf file");
    assertRejected(dir.resolve("absent"))
        .hasMessageContaining("does not exist; expected a model directory or a .gguf file");
  }
}
