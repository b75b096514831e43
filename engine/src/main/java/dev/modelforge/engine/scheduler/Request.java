package dev.modelforge.engine.scheduler;

import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.generate.TextStream;
import java.util.Set;

/**
 * What a client asks the engine for.
 *
 * @param promptIds the prompt as token ids
 * @param params sampling and stopping
 * @param eosIds ids that end generation
 * @param text incremental detokenizer (null when no text or stop strings are needed)
 * @param adapterId 0 for the base model; LoRA adapters get their own ids (prefix cache key)
 * @param listener where the output goes
 */
public record Request(
    int[] promptIds,
    SamplingParams params,
    Set<Integer> eosIds,
    TextStream text,
    int adapterId,
    SequenceListener listener) {}
