package dev.modelforge.engine.runner;

import dev.modelforge.engine.model.DecoderModel;

/**
 * Executes the scheduler's plans on a device: one forward pass over every planned token, then a
 * sampled token for each chunk that asks for one (vLLM's model runner). The scheduler decides and
 * applies; a runner only computes, so another device's backend plugs in here. Called on the engine
 * thread only.
 */
public interface ModelRunner {

  /** The model this runner runs (its configuration and context length bound the plans). */
  DecoderModel model();

  /** The most tokens one plan may hold. */
  int maxTokens();

  /** The most chunks one plan may hold. */
  int maxSequences();

  /**
   * Runs {@code plan}, whose chunks and tokens fit {@link #maxSequences} and {@link #maxTokens}.
   */
  StepOutput execute(StepPlan plan);
}
