package dev.modelforge.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A well-formed GGUF whose model is inconsistent is refused, naming the file and the tensor. */
class GgufBadModelTest {

  @TempDir Path dir;
  private Path good;

  @BeforeEach
  void writeAGoodModel() throws IOException {
    Path hf = TestModels.write(dir.resolve("hf"), TestModels.config("llama-gqa"), DType.F32, 5);
    good = dir.resolve("good.gguf");
    GgufModelWriter.convertDirectory(hf, null, good);
  }

  /** A copy of the good file without {@code dropTensors} and {@code dropKeys}, with overrides. */
  private Path edited(Set<String> dropTensors, Set<String> dropKeys, Map<String, GgufValue> put)
      throws IOException {
    Path out = dir.resolve("edited.gguf");
    try (GgufStore store = GgufStore.open(good)) {
      GgufWriter w = new GgufWriter();
      store
          .metadata()
          .asMap()
          .forEach(
              (k, v) -> {
                if (!dropKeys.contains(k)) {
                  w.put(k, put.getOrDefault(k, v));
                }
              });
      for (String name : store.names()) {
        if (!dropTensors.contains(name)) {
          TensorData t = store.get(name);
          w.add(name, t.dtype(), t.shape(), t.bytes());
        }
      }
      w.write(out);
    }
    return out;
  }

  private static AbstractThrowableAssert<?, ?> assertRejected(Path file) {
    return assertThatThrownBy(() -> LoadedModel.open(file).close())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(file + ": ");
  }

  @Test
  void missingTensor() throws IOException {
    Path file = edited(Set.of("blk.1.ffn_up.weight"), Set.of(), Map.of());

    assertRejected(file).hasMessageContaining("tensor 'blk.1.ffn_up.weight': is missing");
  }

  @Test
  void tensorWhoseShapeDisagreesWithTheMetadata() throws IOException {
    Path file =
        edited(Set.of(), Set.of(), Map.of("llama.feed_forward_length", GgufValue.uint32(96)));

    assertRejected(file)
        .hasMessageContaining("tensor 'blk.0.ffn_gate.weight' has shape [128, 64]")
        .hasMessageContaining("implies [96, 64]");
  }

  @Test
  void qkRowsThatAreNotWholeHeads() throws IOException {
    Path file =
        edited(Set.of(), Set.of(), Map.of("llama.attention.key_length", GgufValue.uint32(8)));

    assertRejected(file)
        .hasMessageContaining("tensor 'blk.0.attn_q.weight'")
        .hasMessageContaining("has shape [64, 64] but the metadata implies 4 heads of 8");
  }

  @Test
  void missingMetadataKey() throws IOException {
    Path file = edited(Set.of(), Set.of("llama.block_count"), Map.of());

    assertRejected(file).hasMessageContaining("metadata key 'llama.block_count' is missing");
  }

  @Test
  void metadataOfTheWrongType() throws IOException {
    Path file =
        edited(Set.of(), Set.of(), Map.of("llama.attention.head_count", GgufValue.string("4")));

    assertRejected(file)
        .hasMessageContaining(
            "metadata key 'llama.attention.head_count' is STRING, expected an integer");
  }

  @Test
  void headCountsThatDoNotDivide() throws IOException {
    Path file =
        edited(Set.of(), Set.of(), Map.of("llama.attention.head_count_kv", GgufValue.uint32(3)));

    assertRejected(file).hasMessageContaining("4 attention heads are not a multiple of 3 KV heads");
  }

  @Test
  void unsupportedArchitecture() throws IOException {
    Path file =
        edited(Set.of(), Set.of(), Map.of("general.architecture", GgufValue.string("falcon")));

    assertRejected(file)
        .hasMessageContaining("architecture 'falcon' is not supported (llama, qwen2, qwen3, gpt2)");
  }

  @Test
  void unsupportedRopeScaling() throws IOException {
    Path file = dir.resolve("yarn.gguf");
    try (GgufStore store = GgufStore.open(good)) {
      GgufWriter w = new GgufWriter();
      store.metadata().asMap().forEach(w::put);
      w.putString("llama.rope.scaling.type", "yarn");
      for (String name : store.names()) {
        TensorData t = store.get(name);
        w.add(name, t.dtype(), t.shape(), t.bytes());
      }
      w.write(file);
    }

    assertRejected(file)
        .hasMessageContaining(
            "metadata key 'llama.rope.scaling.type' is 'yarn'; supported: none, linear");
  }
}
