package dev.modelforge.engine.format.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The safetensors weights of a Hugging Face model directory: {@code model.safetensors}, or the
 * shards named by {@code model.safetensors.index.json}, or every {@code *.safetensors} file. All
 * files are mapped into one shared arena that {@link #close()} releases.
 */
public final class SafetensorsStore implements TensorStore {

  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Arena arena;
  private final Map<String, TensorData> tensors;
  private final List<Path> files;

  private SafetensorsStore(Arena arena, Map<String, TensorData> tensors, List<Path> files) {
    this.arena = arena;
    this.tensors = tensors;
    this.files = files;
  }

  public static boolean existsIn(Path dir) {
    return Files.exists(dir.resolve(INDEX_FILE)) || !listSafetensors(dir).isEmpty();
  }

  public static SafetensorsStore open(Path dir) {
    List<Path> files = shardsOf(dir);
    Arena arena = Arena.ofShared();
    try {
      Map<String, TensorData> all = new LinkedHashMap<>();
      for (Path f : files) {
        for (Map.Entry<String, TensorData> e : SafetensorsFile.read(f, arena).entrySet()) {
          if (all.putIfAbsent(e.getKey(), e.getValue()) != null) {
            throw ModelFormatException.of(f, e.getKey(), "appears in more than one shard");
          }
        }
      }
      checkIndex(dir, all);
      return new SafetensorsStore(arena, Collections.unmodifiableMap(all), files);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** Opens a single file rather than a directory. */
  public static SafetensorsStore openFile(Path file) {
    Arena arena = Arena.ofShared();
    try {
      return new SafetensorsStore(arena, SafetensorsFile.read(file, arena), List.of(file));
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static List<Path> shardsOf(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw ModelFormatException.of(dir, "is not a directory");
    }
    Path index = dir.resolve(INDEX_FILE);
    if (Files.exists(index)) {
      Set<String> names = new TreeSet<>(readWeightMap(index).values());
      List<Path> files = new ArrayList<>();
      for (String n : names) {
        Path home = dir.toAbsolutePath().normalize();
        Path f = home.resolve(n).normalize();
        if (n.isEmpty() || !home.equals(f.getParent())) {
          // a shard outside the model directory would let a downloaded index read any file
          throw ModelFormatException.of(
              index, "names shard '" + n + "', which is not a file name in " + dir);
        }
        if (!Files.isRegularFile(f)) {
          throw ModelFormatException.of(index, "names shard " + n + " which does not exist");
        }
        files.add(f);
      }
      return files;
    }
    List<Path> files = listSafetensors(dir);
    if (files.isEmpty()) {
      throw ModelFormatException.of(dir, "holds no *.safetensors file");
    }
    return files;
  }

  private static List<Path> listSafetensors(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
    } catch (IOException e) {
      throw ModelFormatException.of(dir, "cannot be listed: " + e.getMessage());
    }
  }

  private static Map<String, String> readWeightMap(Path index) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(index.toFile());
    } catch (IOException e) {
      throw ModelFormatException.of(index, "is not valid JSON: " + e.getMessage());
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw ModelFormatException.of(index, "has no weight_map object");
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      if (!e.getValue().isTextual()) {
        throw ModelFormatException.of(
            index, e.getKey(), "weight_map entry is " + e.getValue() + ", not a shard file name");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static void checkIndex(Path dir, Map<String, TensorData> all) {
    Path index = dir.resolve(INDEX_FILE);
    if (!Files.exists(index)) {
      return;
    }
    for (String name : readWeightMap(index).keySet()) {
      if (!all.containsKey(name)) {
        throw ModelFormatException.of(
            index, name, "is listed in the weight_map but is in none of the shards");
      }
    }
  }

  @Override
  public Set<String> names() {
    return tensors.keySet();
  }

  @Override
  public Optional<TensorData> find(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  @Override
  public ModelFormatException missing(String name) {
    return new ModelFormatException(
        "tensor '" + name + "' is missing from " + (files.size() == 1 ? files.get(0) : files));
  }

  @Override
  public void close() {
    arena.close();
  }
}
