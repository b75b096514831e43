package dev.modelforge.engine.train.optim;

import java.util.Locale;

/**
 * Learning rate per optimizer step, as the Hugging Face Trainer schedules it: a linear warmup from
 * zero (the first step's rate) to the peak over {@code warmupSteps}, then constant, linear decay to
 * zero, or cosine decay to zero at {@code totalSteps}.
 */
public record LrSchedule(Kind kind, double peak, int warmupSteps, int totalSteps) {

  public enum Kind {
    CONSTANT,
    LINEAR,
    COSINE;

    public static Kind parse(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "lrScheduler '" + name + "' is not one of constant, linear, cosine");
      }
    }
  }

  public LrSchedule {
    if (!(peak > 0)) {
      throw new IllegalArgumentException("learningRate must be positive, got " + peak);
    }
    if (warmupSteps < 0 || totalSteps < 1) {
      throw new IllegalArgumentException(
          "warmup steps must be >= 0 and total steps >= 1, got " + warmupSteps + ", " + totalSteps);
    }
  }

  /** Warmup given as a fraction of all steps, rounded up as the Hugging Face Trainer does. */
  public static LrSchedule withWarmupRatio(Kind kind, double peak, double ratio, int totalSteps) {
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new IllegalArgumentException("warmupRatio must be in [0, 1], got " + ratio);
    }
    return new LrSchedule(kind, peak, (int) Math.ceil(ratio * totalSteps), totalSteps);
  }

  /** The rate for optimizer step {@code step} (0-based). */
  public double at(int step) {
    if (step < warmupSteps) {
      // step / warmup, as transformers' get_*_schedule_with_warmup: the first step runs at zero
      return peak * step / warmupSteps;
    }
    if (kind == Kind.CONSTANT || totalSteps <= warmupSteps) {
      return peak;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
    return switch (kind) {
      case LINEAR -> peak * (1 - progress);
      case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
      case CONSTANT -> peak;
    };
  }
}
