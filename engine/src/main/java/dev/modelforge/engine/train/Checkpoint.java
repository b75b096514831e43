package dev.modelforge.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.engine.train.optim.AdamW;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Everything needed to continue a run exactly where it stopped, in {@code
 * checkpoints/step-NNNNNNNN/}: the trainable parameters (full weights or LoRA matrices), AdamW's
 * moments and step count, and the trainer's step and early-stopping state. Random streams (data
 * order, dropout) are pure functions of the seed, epoch and step, so the seed and step restore
 * them. Written to a temporary directory, forced to disk and renamed, so a crash never leaves half
 * a checkpoint under its name; the state file records each tensor file's size and CRC-32C, and a
 * resume takes the newest checkpoint that still matches them (one torn by a disk that lied about
 * its writes, or truncated later, is skipped and named).
 *
 * @param step optimizer steps completed
 */
public record Checkpoint(
    Path directory,
    int step,
    int totalSteps,
    long seed,
    double bestValidationLoss,
    int evaluationsWithoutImprovement,
    double lastValidationLoss) {

  static final String PARAMETERS = "parameters.safetensors";
  static final String OPTIMIZER = "optimizer.safetensors";
  static final String STATE = "trainer_state.json";

  /** Checkpoints kept on disk; older ones are deleted once a newer one is complete. */
  static final int KEEP = 2;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes a checkpoint of {@code optimizer}'s parameters under {@code root}. */
  static Checkpoint save(
      Path root,
      AdamW optimizer,
      int step,
      int totalSteps,
      long seed,
      double bestValidationLoss,
      int evaluationsWithoutImprovement,
      double lastValidationLoss)
      throws IOException {
    Path dir = root.resolve(String.format("step-%08d", step));
    Path tmp = root.resolve(dir.getFileName() + ".tmp");
    if (Files.exists(tmp)) {
      deleteTree(tmp); // a write a kill cut short
    }
    Files.createDirectories(tmp);
    SafetensorsWriter params = new SafetensorsWriter();
    SafetensorsWriter moments = new SafetensorsWriter();
    for (Parameter p : optimizer.parameters()) {
      long[] shape = Arrays.stream(p.shape()).asLongStream().toArray();
      params.addF32(p.name(), shape, p.value());
      moments.addF32(p.name() + ".exp_avg", shape, optimizer.firstMoment(p));
      moments.addF32(p.name() + ".exp_avg_sq", shape, optimizer.secondMoment(p));
    }
    params.write(tmp.resolve(PARAMETERS));
    moments.write(tmp.resolve(OPTIMIZER));
    ObjectNode state = JSON.createObjectNode();
    ObjectNode files = state.putObject("files");
    for (String name : List.of(PARAMETERS, OPTIMIZER)) {
      Path f = tmp.resolve(name);
      force(f);
      files.putObject(name).put("size", Files.size(f)).put("crc32c", crc32c(f));
    }
    state.put("step", step);
    state.put("total_steps", totalSteps);
    state.put("optimizer_steps", optimizer.stepCount());
    state.put("seed", seed);
    state.put("best_validation_loss", bestValidationLoss);
    state.put("evaluations_without_improvement", evaluationsWithoutImprovement);
    state.put("last_validation_loss", lastValidationLoss);
    state.put(
        "rng",
        "data order and dropout masks derive from (seed, epoch, step); nothing else to restore");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(STATE).toFile(), state);
    force(tmp.resolve(STATE));
    force(tmp);
    if (Files.exists(dir)) {
      deleteTree(dir);
    }
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    force(root);
    pruneOlderThanLatest(root);
    return new Checkpoint(
        dir,
        step,
        totalSteps,
        seed,
        bestValidationLoss,
        evaluationsWithoutImprovement,
        lastValidationLoss);
  }

  private static void pruneOlderThanLatest(Path root) throws IOException {
    List<Path> complete;
    try (Stream<Path> s = Files.list(root)) {
      complete =
          s.filter(p -> p.getFileName().toString().matches("step-\\d{8}"))
              .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
              .toList();
    }
    for (Path old : complete.subList(Math.min(KEEP, complete.size()), complete.size())) {
      deleteTree(old);
    }
  }

  /**
   * The complete checkpoint with the highest step under {@code root}, if any; newer ones that fail
   * their check are passed over, each named with what is wrong to {@code skipped}.
   */
  static Optional<Checkpoint> latest(Path root, Consumer<String> skipped) throws IOException {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    List<Path> newestFirst;
    try (Stream<Path> s = Files.list(root)) {
      newestFirst =
          s.filter(p -> p.getFileName().toString().matches("step-\\d{8}"))
              .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
              .toList();
    }
    for (Path dir : newestFirst) {
      Optional<String> problem = problem(dir);
      if (problem.isEmpty()) {
        return Optional.of(read(dir));
      }
      skipped.accept(dir.getFileName() + " " + problem.get());
    }
    return Optional.empty();
  }

  /** What is wrong with a checkpoint directory, or empty when it is whole. */
  static Optional<String> problem(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve(STATE))) {
      return Optional.of("has no " + STATE);
    }
    JsonNode state;
    try {
      state = JSON.readTree(dir.resolve(STATE).toFile());
    } catch (IOException e) {
      return Optional.of("has an unreadable " + STATE + ": " + e.getMessage());
    }
    if (state == null || !state.path("step").isInt()) {
      return Optional.of("has a " + STATE + " without its step");
    }
    JsonNode files = state.path("files");
    for (String name : List.of(PARAMETERS, OPTIMIZER)) {
      Path f = dir.resolve(name);
      if (!Files.isRegularFile(f)) {
        return Optional.of("has no " + name);
      }
      JsonNode expected = files.path(name);
      if (expected.isMissingNode()) {
        continue; // written before checkpoints recorded their files: presence is all there is
      }
      long size = Files.size(f);
      if (size != expected.path("size").asLong(-1)) {
        return Optional.of(
            "is torn: " + name + " has " + size + " bytes, " + expected.path("size") + " written");
      }
      if (crc32c(f) != expected.path("crc32c").asLong(-1)) {
        return Optional.of("is torn: " + name + " does not match the CRC-32C written with it");
      }
    }
    return Optional.empty();
  }

  private static long crc32c(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }

  /** Forces a file's (or a directory's entries') writes to disk. */
  private static void force(Path path) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            path, Files.isDirectory(path) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      if (!Files.isDirectory(path)) {
        throw e;
      }
      // some file systems cannot sync a directory; the files themselves are synced
    }
  }

  static Checkpoint read(Path dir) throws IOException {
    JsonNode s = JSON.readTree(dir.resolve(STATE).toFile());
    return new Checkpoint(
        dir,
        s.path("step").asInt(),
        s.path("total_steps").asInt(),
        s.path("seed").asLong(),
        s.path("best_validation_loss").asDouble(Double.NaN),
        s.path("evaluations_without_improvement").asInt(),
        s.path("last_validation_loss").asDouble(Double.NaN));
  }

  /** Loads the saved parameter values and optimizer moments into {@code optimizer}'s parameters. */
  void restore(AdamW optimizer) throws IOException {
    try (SafetensorsStore params = SafetensorsStore.openFile(directory.resolve(PARAMETERS));
        SafetensorsStore moments = SafetensorsStore.openFile(directory.resolve(OPTIMIZER))) {
      List<Parameter> list = optimizer.parameters();
      if (params.names().size() != list.size()) {
        throw ModelFormatException.of(
            directory,
            "holds "
                + params.names().size()
                + " trainable tensors but this run trains "
                + list.size()
                + "; was it written with another method or LoRA config?");
      }
      for (Parameter p : list) {
        copy(params, p.name(), p.value());
        copy(moments, p.name() + ".exp_avg", optimizer.firstMoment(p));
        copy(moments, p.name() + ".exp_avg_sq", optimizer.secondMoment(p));
        p.markUpdated();
      }
      JsonNode s = JSON.readTree(directory.resolve(STATE).toFile());
      optimizer.restoreStepCount(s.path("optimizer_steps").asLong());
    }
  }

  private void copy(SafetensorsStore store, String name, float[] into) {
    TensorData t = store.get(name);
    float[] v = t.toFloats();
    if (v.length != into.length) {
      throw ModelFormatException.of(
          directory, name, "has " + v.length + " values, expected " + into.length);
    }
    System.arraycopy(v, 0, into, 0, v.length);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
