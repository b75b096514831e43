package dev.modelforge.engine.scheduler;

import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.generate.TextStream;
import dev.modelforge.engine.lora.LoraAdapter;
import java.util.Set;

/**
 * What a client asks the engine for.
 *
 * @param promptIds the prompt as token ids
 * @param params sampling and stopping
 * @param eosIds ids that end generation
 * @param text incremental detokenizer (null when no text or stop strings are needed)
 * @param adapter the LoRA adapter to run through, or null for the base model
 * @param listener where the output goes
 * @param constraint the grammar the output must follow, or null for none
 */
public record Request(
    int[] promptIds,
    SamplingParams params,
    Set<Integer> eosIds,
    TextStream text,
    LoraAdapter adapter,
    SequenceListener listener,
    OutputConstraint constraint) {

  /** A request whose output is free text. */
  public Request(
      int[] promptIds,
      SamplingParams params,
      Set<Integer> eosIds,
      TextStream text,
      LoraAdapter adapter,
      SequenceListener listener) {
    this(promptIds, params, eosIds, text, adapter, listener, null);
  }

  /** 0 for the base model; the prefix cache keys blocks by it. */
  public int adapterId() {
    return adapter == null ? 0 : adapter.id();
  }
}
