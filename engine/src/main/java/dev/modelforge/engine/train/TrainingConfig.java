package dev.modelforge.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.train.optim.LrSchedule;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A fine-tuning job's {@code method} and {@code hyperparameters}, in the shape of the FineTuningJob
 * spec so the operator can pass the spec through unchanged. Unknown keys are errors, so a misspelt
 * hyperparameter never silently falls back to its default.
 *
 * @param lora the adapter settings, or null for full fine-tuning
 * @param warmupSteps explicit warmup steps, or -1 to use warmupRatio
 * @param maxSteps stop after this many optimizer steps, or -1 for all epochs
 * @param evalSteps evaluate every N steps, or 0 for the end of each epoch
 * @param saveSteps checkpoint every N steps, or 0 for the end of every epoch
 * @param packing pack several examples into each sequence up to maxSequenceLength tokens
 * @param earlyStoppingPatience stop after this many evaluations without a better validation loss,
 *     or 0 for never
 */
public record TrainingConfig(
    LoraSettings lora,
    int epochs,
    double learningRate,
    int batchSize,
    int gradientAccumulationSteps,
    int maxSequenceLength,
    LrSchedule.Kind lrScheduler,
    double warmupRatio,
    int warmupSteps,
    double weightDecay,
    double adamBeta1,
    double adamBeta2,
    double adamEpsilon,
    double maxGradNorm,
    long seed,
    double validationSplit,
    int evalSteps,
    int saveSteps,
    int maxSteps,
    boolean truncation,
    boolean packing,
    int earlyStoppingPatience) {

  private static final Set<String> METHOD_KEYS = Set.of("type", "lora");
  private static final Set<String> LORA_KEYS = Set.of("rank", "alpha", "dropout", "targetModules");
  private static final Set<String> HYPER_KEYS =
      Set.of(
          "epochs",
          "learningRate",
          "batchSize",
          "gradientAccumulationSteps",
          "maxSequenceLength",
          "lrScheduler",
          "warmupRatio",
          "warmupSteps",
          "weightDecay",
          "adamBeta1",
          "adamBeta2",
          "adamEpsilon",
          "maxGradNorm",
          "seed",
          "validationSplit",
          "evalSteps",
          "saveSteps",
          "maxSteps",
          "truncation",
          "packing",
          "earlyStoppingPatience");

  public TrainingConfig {
    positive("epochs", epochs);
    positive("batchSize", batchSize);
    positive("gradientAccumulationSteps", gradientAccumulationSteps);
    positive("maxSequenceLength", maxSequenceLength);
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
    }
    if (!(validationSplit >= 0 && validationSplit < 1)) {
      throw new IllegalArgumentException(
          "validationSplit must be in [0, 1), got " + validationSplit);
    }
    if (!(adamBeta1 >= 0 && adamBeta1 < 1 && adamBeta2 >= 0 && adamBeta2 < 1)) {
      throw new IllegalArgumentException("adamBeta1 and adamBeta2 must be in [0, 1)");
    }
  }

  public boolean isLora() {
    return lora != null;
  }

  /**
   * Parses {@code {method: {type, lora: {...}}, hyperparameters: {...}}}; {@code
   * architectureIsGpt2} picks the default LoRA target modules.
   */
  public static TrainingConfig parse(JsonNode root, boolean architectureIsGpt2) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "the training config must be an object with method and hyperparameters");
    }
    checkKeys(root, Set.of("method", "hyperparameters"), "");
    JsonNode method = root.path("method");
    checkKeys(method, METHOD_KEYS, "method.");
    String type = method.path("type").asText("lora");
    LoraSettings lora =
        switch (type) {
          case "full" -> null;
          case "lora" -> {
            JsonNode l = method.path("lora");
            checkKeys(l, LORA_KEYS, "method.lora.");
            List<String> targets = new ArrayList<>();
            if (l.has("targetModules")) {
              l.get("targetModules").forEach(n -> targets.add(n.asText()));
            } else {
              targets.addAll(
                  architectureIsGpt2 ? LoraSettings.GPT2_MODULES : LoraSettings.LLAMA_MODULES);
            }
            int rank = intOf(l, "rank", 8);
            yield new LoraSettings(
                rank, number(l, "alpha", 2.0 * rank), number(l, "dropout", 0.05), targets);
          }
          default ->
              throw new IllegalArgumentException(
                  "method.type must be 'lora' or 'full', got '" + type + "'");
        };
    JsonNode h = root.path("hyperparameters");
    checkKeys(h, HYPER_KEYS, "hyperparameters.");
    return new TrainingConfig(
        lora,
        intOf(h, "epochs", 1),
        number(h, "learningRate", lora != null ? 2e-4 : 5e-5),
        intOf(h, "batchSize", 8),
        intOf(h, "gradientAccumulationSteps", 1),
        intOf(h, "maxSequenceLength", 512),
        LrSchedule.Kind.parse(h.path("lrScheduler").asText("linear")),
        number(h, "warmupRatio", 0),
        intOf(h, "warmupSteps", -1),
        number(h, "weightDecay", 0),
        number(h, "adamBeta1", 0.9),
        number(h, "adamBeta2", 0.999),
        number(h, "adamEpsilon", 1e-8),
        number(h, "maxGradNorm", 1.0),
        h.path("seed").asLong(42),
        number(h, "validationSplit", 0),
        intOf(h, "evalSteps", 0),
        intOf(h, "saveSteps", 0),
        intOf(h, "maxSteps", -1),
        h.path("truncation").asBoolean(true),
        h.path("packing").asBoolean(false),
        intOf(h, "earlyStoppingPatience", 0));
  }

  private static void checkKeys(JsonNode node, Set<String> allowed, String prefix) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(prefix + " must be an object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            "unknown training config key '"
                + prefix
                + key
                + "'; known keys: "
                + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static int intOf(JsonNode node, String key, int fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("'" + key + "' must be an integer, got " + v);
    }
    return v.asInt();
  }

  private static double number(JsonNode node, String key, double fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException("'" + key + "' must be a number, got " + v);
    }
    return v.asDouble();
  }

  private static void positive(String key, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("'" + key + "' must be at least 1, got " + value);
    }
  }
}
