package dev.modelforge.engine.train;

/**
 * A snapshot of a training run for people (the progress line) and the operator ({@code
 * progress.json}). Losses are NaN until known.
 *
 * @param phase loading, training, evaluating, saving, completed or failed
 * @param epoch 1-based epoch of the current step
 * @param loss mean training loss per target token of the last step
 * @param validationLoss mean loss per target token of the last evaluation
 */
public record TrainingProgress(
    String phase,
    int step,
    int totalSteps,
    int epoch,
    double loss,
    double validationLoss,
    double learningRate,
    double tokensPerSecond,
    double etaSeconds,
    String message) {

  /** Receives progress; called on the training thread, so it should return quickly. */
  public interface Listener {
    void onProgress(TrainingProgress progress);
  }

  /** The progress line: step, loss, lr, throughput and ETA. */
  public String line() {
    StringBuilder s = new StringBuilder();
    s.append(String.format("%-9s step %d/%d  epoch %d", phase, step, totalSteps, epoch));
    if (!Double.isNaN(loss)) {
      s.append(String.format("  loss %.4f", loss));
    }
    if (!Double.isNaN(validationLoss)) {
      s.append(String.format("  val %.4f (ppl %.2f)", validationLoss, Math.exp(validationLoss)));
    }
    if (learningRate > 0) {
      s.append(String.format("  lr %.3g", learningRate));
    }
    if (tokensPerSecond > 0) {
      s.append(String.format("  %.0f tok/s", tokensPerSecond));
    }
    if (etaSeconds >= 0) {
      s.append(String.format("  eta %ds", Math.round(etaSeconds)));
    }
    if (message != null && !message.isEmpty()) {
      s.append("  ").append(message);
    }
    return s.toString();
  }
}
