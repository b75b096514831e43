package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.format.gguf.GgufModel;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.tensor.DType;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model opened for inference, from a Hugging Face directory or a GGUF file: the config, the
 * mapped tensors and the runnable model. Closing it unmaps the files, after which the model must
 * not be used.
 */
public final class LoadedModel implements AutoCloseable {

  private final Path path;
  private final ModelConfig config;
  private final TensorStore store;
  private final DecoderModel model;
  private final Arena weightArena;

  private LoadedModel(
      Path path, ModelConfig config, TensorStore store, DecoderModel model, Arena arena) {
    this.path = path;
    this.config = config;
    this.store = store;
    this.model = model;
    this.weightArena = arena;
  }

  /** Opens a model directory or a {@code .gguf} file with the weights in their stored types. */
  public static LoadedModel open(Path path) {
    return open(path, null);
  }

  /**
   * Opens a Hugging Face model directory (config.json + safetensors) or a llama.cpp {@code .gguf}
   * file.
   *
   * @param quantize null, or F32 / BF16 / Q8_0 / Q4_0 to re-encode the weight matrices on load
   */
  public static LoadedModel open(Path path, DType quantize) {
    if (Files.isDirectory(path)) {
      ModelConfig config = ModelConfig.read(path);
      return build(path, config, SafetensorsStore.open(path), quantize, null);
    }
    if (isGgufFile(path)) {
      GgufModel gguf = GgufModel.open(path);
      // GPT-2's matrices come back widened (see GgufModel): they go back into the file's blocks.
      DType conv1dStoredAs = gguf.quantizedMatrixType().orElse(null);
      return build(path, gguf.config(), gguf.tensors(), quantize, conv1dStoredAs);
    }
    throw ModelFormatException.of(
        path,
        Files.exists(path)
            ? "is neither a model directory nor a .gguf file"
            : "does not exist; expected a model directory or a .gguf file");
  }

  /** Whether {@code path} is a llama.cpp model file rather than a model directory. */
  public static boolean isGgufFile(Path path) {
    return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf");
  }

  private static LoadedModel build(
      Path path, ModelConfig config, TensorStore store, DType quantize, DType conv1dStoredAs) {
    Arena arena = Arena.ofShared();
    try {
      ModelWeights weights =
          new WeightLoader(config, store, quantize, conv1dStoredAs, arena).load();
      return new LoadedModel(path, config, store, new DecoderModel(config, weights), arena);
    } catch (ModelFormatException e) {
      arena.close();
      store.close();
      throw e.getMessage().startsWith(path.toString())
          ? e
          : ModelFormatException.of(path, e.getMessage());
    } catch (RuntimeException e) {
      arena.close();
      store.close();
      throw e;
    }
  }

  /** The directory or {@code .gguf} file the model was opened from. */
  public Path path() {
    return path;
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
