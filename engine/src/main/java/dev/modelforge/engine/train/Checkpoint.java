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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Everything needed to continue a run exactly where it stopped, in {@code
 * checkpoints/step-NNNNNNNN/}: the trainable parameters (full weights or LoRA matrices), AdamW's
 * moments and step count, and the trainer's step and early-stopping state. Random streams (data
 * order, dropout) are pure functions of the seed, epoch and step, so the seed and step restore
 * them. Written to a temporary directory and renamed, so a crash never leaves half a checkpoint.
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
    if (Files.exists(dir)) {
      deleteTree(dir);
    }
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
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

  /** The checkpoint with the highest step under {@code root}, if any. */
  static Optional<Checkpoint> latest(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(root)) {
      Optional<Path> dir =
          s.filter(p -> p.getFileName().toString().matches("step-\\d{8}"))
              .filter(p -> Files.exists(p.resolve(STATE)))
              .max(Comparator.comparing(p -> p.getFileName().toString()));
      return dir.isPresent() ? Optional.of(read(dir.get())) : Optional.empty();
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
