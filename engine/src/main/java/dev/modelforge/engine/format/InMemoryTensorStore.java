package dev.modelforge.engine.format;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Tensors held on the heap under their names, in the order given: a model made in this process. */
public final class InMemoryTensorStore implements TensorStore {

  private final Map<String, TensorData> byName = new LinkedHashMap<>();

  public InMemoryTensorStore(List<TensorData> tensors) {
    for (TensorData t : tensors) {
      if (byName.putIfAbsent(t.name(), t) != null) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' is given twice");
      }
    }
  }

  @Override
  public Set<String> names() {
    return Collections.unmodifiableSet(byName.keySet());
  }

  @Override
  public Optional<TensorData> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  @Override
  public ModelFormatException missing(String name) {
    return new ModelFormatException("tensor '" + name + "' is missing");
  }

  @Override
  public void close() {}
}
