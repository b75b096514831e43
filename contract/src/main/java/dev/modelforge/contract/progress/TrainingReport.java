package dev.modelforge.contract.progress;

import java.util.Optional;

/**
 * What a training pod reports at each step; the operator folds it into the FineTuningJob's status.
 * Numbers are null while unknown (a loss before the first step, an ETA before the rate is known).
 *
 * @param phase loading, training, evaluating, saving, completed or failed
 * @param epoch 1-based epoch of the current step
 * @param loss mean training loss per target token of the last step
 * @param validationLoss mean loss per target token of the last evaluation
 * @param error set when training failed: what went wrong
 */
public record TrainingReport(
    String phase,
    Long step,
    Long totalSteps,
    Double epoch,
    Double loss,
    Double validationLoss,
    Double learningRate,
    Double tokensPerSecond,
    Long etaSeconds,
    String message,
    String error) {

  /** What went wrong, as the pod said it: the error, or failing that the last message. */
  public Optional<String> failure() {
    return Reports.firstSaid(error, message);
  }
}
