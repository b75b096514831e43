package dev.modelforge.engine.model;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.init.RandomModelWriter;
import dev.modelforge.engine.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Small configs of every architecture, written as random model directories for tests. */
public final class TestModels {

  private TestModels() {}

  public static ModelConfig config(String kind) {
    RopeConfig rope = new RopeConfig(10000, "default", 1, 1, 1, 0);
    return switch (kind) {
      case "llama-gqa" ->
          new ModelConfig(
              Architecture.LLAMA, 64, 2, 4, 2, 16, 128, 101, 64, 1e-5f, rope, false, false, "f32");
      // heads of 64: four vectors at 512 bits, attention's register-resident path
      case "llama-head64" ->
          new ModelConfig(
              Architecture.LLAMA, 128, 2, 2, 1, 64, 128, 101, 64, 1e-5f, rope, false, false, "f32");
      case "llama3-rope-scaling" ->
          new ModelConfig(
              Architecture.LLAMA,
              64,
              2,
              4,
              4,
              16,
              128,
              101,
              64,
              1e-5f,
              new RopeConfig(500000, "llama3", 8, 1, 4, 16),
              false,
              false,
              "f32");
      case "mistral" ->
          new ModelConfig(
              Architecture.MISTRAL, 64, 2, 8, 2, 8, 96, 101, 64, 1e-5f, rope, false, false, "f32");
      case "qwen2" ->
          new ModelConfig(
              Architecture.QWEN2, 64, 2, 4, 2, 16, 128, 101, 64, 1e-6f, rope, true, true, "f32");
      case "qwen3" ->
          new ModelConfig(
              Architecture.QWEN3, 64, 2, 4, 2, 32, 128, 101, 64, 1e-6f, rope, true, false, "f32");
      case "gpt2" ->
          new ModelConfig(
              Architecture.GPT2,
              64,
              2,
              4,
              4,
              16,
              256,
              101,
              64,
              1e-5f,
              RopeConfig.NONE,
              true,
              true,
              "f32");
      default -> throw new IllegalArgumentException(kind);
    };
  }

  public static Path write(Path dir, ModelConfig config, DType dtype, long seed) {
    try {
      new RandomModelWriter(config, seed, dtype).perturbNorms().initStd(0.15).write(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Weights at a fresh initialisation's scale (std 0.02, norms at 1): what training starts from,
   * and where a float32 finite-difference gradient check is still accurate.
   */
  public static Path writeAtInitScale(Path dir, ModelConfig config, DType dtype, long seed) {
    try {
      new RandomModelWriter(config, seed, dtype).write(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
