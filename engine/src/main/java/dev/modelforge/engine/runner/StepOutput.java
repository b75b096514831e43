package dev.modelforge.engine.runner;

import dev.modelforge.engine.generate.TokenEmitter;
import java.util.List;

/**
 * What a {@link ModelRunner} returns for a {@link StepPlan}: the keys and values of every planned
 * token are in their caches, and each chunk that samples has its step (the token, a finish, or
 * both), in plan order.
 */
public record StepOutput(List<Sampled> sampled) {

  public StepOutput {
    sampled = List.copyOf(sampled);
  }

  /** The step sampled for the plan's chunk at index {@code chunk}. */
  public record Sampled(int chunk, TokenEmitter.Step step) {}
}
