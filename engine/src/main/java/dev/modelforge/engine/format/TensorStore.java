package dev.modelforge.engine.format;

import java.util.Optional;
import java.util.Set;

/** The tensors of a model, by name, wherever they are stored (one file, shards, GGUF). */
public interface TensorStore extends AutoCloseable {

  Set<String> names();

  Optional<TensorData> find(String name);

  /** The tensor, or a {@link ModelFormatException} naming the missing tensor and the files read. */
  default TensorData get(String name) {
    return find(name).orElseThrow(() -> missing(name));
  }

  /** The error for a tensor this store does not hold, naming where it looked. */
  ModelFormatException missing(String name);

  /** Unmaps the files; tensors read from this store must not be used afterwards. */
  @Override
  void close();
}
