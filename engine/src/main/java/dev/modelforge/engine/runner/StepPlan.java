package dev.modelforge.engine.runner;

import dev.modelforge.engine.generate.TokenEmitter;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.model.KvCache;
import java.util.List;

/**
 * What one engine step runs, as the scheduler decided it (vLLM's scheduler output): for each
 * sequence in the step, the tokens whose keys and values to compute and where they go. The plan is
 * built on the engine thread and read by one {@link ModelRunner}; nothing in it changes after
 * {@link dev.modelforge.engine.scheduler.Scheduler} hands it over.
 */
public record StepPlan(List<Chunk> chunks) {

  public static final StepPlan EMPTY = new StepPlan(List.of());

  public StepPlan {
    chunks = List.copyOf(chunks);
  }

  /**
   * One sequence's part of the step: {@code tokens} at positions {@code start ...} of the sequence
   * whose cache is {@code cache}, run through {@code adapter} (null: the base model). When the
   * chunk ends at the sequence's last known token, {@code sampler} picks the next one with at most
   * {@code contextLeft} positions left after it; otherwise {@code sampler} is null (a prefill chunk
   * that more of the prompt follows). The chunk keeps {@code tokens}: its maker hands over an array
   * of its own (the scheduler copies the sequence's slice) and nobody writes it after.
   */
  public record Chunk(
      int[] tokens,
      int start,
      KvCache cache,
      LoraAdapter adapter,
      TokenEmitter sampler,
      int contextLeft) {

    public Chunk {
      if (tokens.length == 0) {
        throw new IllegalArgumentException("a chunk runs at least one token");
      }
    }

    public int count() {
      return tokens.length;
    }

    public int token(int i) {
      return tokens[i];
    }

    /** Whether this chunk's last token asks for logits and a sampled successor. */
    public boolean samples() {
      return sampler != null;
    }

    @Override
    public int[] tokens() {
      return tokens.clone();
    }
  }

  public boolean isEmpty() {
    return chunks.isEmpty();
  }

  /** The tokens the forward pass runs (vLLM's iteration tokens). */
  public int tokenCount() {
    int n = 0;
    for (Chunk c : chunks) {
      n += c.count();
    }
    return n;
  }
}
