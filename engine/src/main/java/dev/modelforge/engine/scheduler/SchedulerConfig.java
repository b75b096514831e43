package dev.modelforge.engine.scheduler;

/**
 * Limits of the continuous-batching scheduler.
 *
 * @param maxTokensPerStep token budget of one forward step (decodes first, then prefill chunks)
 * @param maxSequences sequences running at once
 * @param maxModelLength prompt plus output tokens of one sequence at most
 * @param maxWaiting requests queued before new ones are refused (the server's 429)
 * @param blockSize positions per KV block
 * @param prefixCaching reuse the KV blocks of shared prompt prefixes
 */
public record SchedulerConfig(
    int maxTokensPerStep,
    int maxSequences,
    int maxModelLength,
    int maxWaiting,
    int blockSize,
    boolean prefixCaching) {

  public SchedulerConfig {
    if (maxTokensPerStep < 1 || maxSequences < 1 || maxModelLength < 2 || blockSize < 1) {
      throw new IllegalArgumentException(
          "scheduler limits must be positive (and max model length at least 2)");
    }
    if (maxTokensPerStep < maxSequences) {
      throw new IllegalArgumentException(
          "the per-step token budget ("
              + maxTokensPerStep
              + ") must cover one decode token for each of "
              + maxSequences
              + " sequences");
    }
  }

  public static SchedulerConfig defaults(int maxModelLength) {
    return new SchedulerConfig(512, 32, maxModelLength, 256, 16, true);
  }
}
