package dev.modelforge.engine.scheduler;

import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.generate.GeneratedToken;

/** Receives one request's output, on the engine's thread; keep the work short. */
public interface SequenceListener {

  /** The request left the queue and joined the running batch (the first time only). */
  default void onScheduled() {}

  void onToken(GeneratedToken token);

  /** Text released after the last token (held back for a stop string or unfinished UTF-8). */
  default void onTrailingText(String text) {}

  /**
   * Just before {@link #onFinish} with STOP, when a stop string or a stop token id ended the
   * output: which one (vLLM's {@code stop_reason}).
   */
  default void onStopReason(Object stopReason) {}

  /** The request ended; {@code error} is null unless it failed. */
  void onFinish(FinishReason reason, int promptTokens, int generatedTokens, Exception error);
}
