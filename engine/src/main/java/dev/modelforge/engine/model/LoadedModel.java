package dev.modelforge.engine.model;

import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.tensor.DType;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model directory opened for inference: the config, the mapped tensors and the runnable model.
 * Closing it unmaps the files, after which the model must not be used.
 */
public final class LoadedModel implements AutoCloseable {

  private final Path directory;
  private final ModelConfig config;
  private final TensorStore store;
  private final DecoderModel model;
  private final Arena weightArena;

  private LoadedModel(
      Path directory, ModelConfig config, TensorStore store, DecoderModel model, Arena arena) {
    this.directory = directory;
    this.config = config;
    this.store = store;
    this.model = model;
    this.weightArena = arena;
  }

  /**
   * Opens a Hugging Face model directory (config.json + safetensors).
   *
   * @param quantize null, or Q8_0 / Q4_0 to re-encode the weight matrices on load
   */
  public static LoadedModel open(Path directory, DType quantize) {
    if (!Files.isDirectory(directory)) {
      throw ModelFormatException.of(directory, "is not a directory");
    }
    ModelConfig config = ModelConfig.read(directory);
    TensorStore store = SafetensorsStore.open(directory);
    Arena arena = Arena.ofShared();
    try {
      ModelWeights weights = new WeightLoader(config, store, quantize, arena).load();
      return new LoadedModel(directory, config, store, new DecoderModel(config, weights), arena);
    } catch (ModelFormatException e) {
      arena.close();
      store.close();
      throw e.getMessage().startsWith(directory.toString())
          ? e
          : ModelFormatException.of(directory, e.getMessage());
    } catch (RuntimeException e) {
      arena.close();
      store.close();
      throw e;
    }
  }

  public Path directory() {
    return directory;
  }

  public ModelConfig config() {
    return config;
  }

  public DecoderModel model() {
    return model;
  }

  @Override
  public void close() {
    weightArena.close();
    store.close();
  }
}
