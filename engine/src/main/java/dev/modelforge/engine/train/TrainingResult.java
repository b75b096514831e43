package dev.modelforge.engine.train;

/**
 * How a run ended.
 *
 * @param steps optimizer steps completed
 * @param trainLoss mean loss per target token of the last step
 * @param validationLoss mean validation loss per target token (NaN without a validation set)
 */
public record TrainingResult(
    int steps, double trainLoss, double validationLoss, boolean stoppedEarly) {

  public double validationPerplexity() {
    return Math.exp(validationLoss);
  }
}
