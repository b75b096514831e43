package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The tensors of one GGUF file under their GGUF names (shapes outermost-first), with its metadata.
 * The file stays mapped until {@link #close()}.
 */
public final class GgufStore implements TensorStore {

  private final Arena arena;
  private final GgufFile file;

  private GgufStore(Arena arena, GgufFile file) {
    this.arena = arena;
    this.file = file;
  }

  public static GgufStore open(Path path) {
    Arena arena = Arena.ofShared();
    try {
      return new GgufStore(arena, GgufFile.read(path, arena));
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  public GgufFile file() {
    return file;
  }

  public GgufMetadata metadata() {
    return file.metadata();
  }

  public Path path() {
    return file.path();
  }

  @Override
  public Set<String> names() {
    return file.tensors().keySet();
  }

  @Override
  public Optional<TensorData> find(String name) {
    return Optional.ofNullable(file.tensors().get(name));
  }

  @Override
  public ModelFormatException missing(String name) {
    return ModelFormatException.of(file.path(), name, "is missing");
  }

  @Override
  public void close() {
    arena.close();
  }
}
