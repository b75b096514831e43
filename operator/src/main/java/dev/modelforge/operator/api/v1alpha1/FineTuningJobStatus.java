package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;

/** Observed state of a FineTuningJob: live training progress and the result. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FineTuningJobStatus extends CommonStatus {

  @PrinterColumn(name = "Phase")
  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private FineTuningPhase phase;

  @PrinterColumn(name = "Step")
  @JsonPropertyDescription("Optimizer steps done out of the total, such as 120/600.")
  private String progress;

  @JsonPropertyDescription("Optimizer steps done.")
  private Long step;

  @JsonPropertyDescription("Optimizer steps the whole run takes.")
  private Long totalSteps;

  @JsonPropertyDescription("Fractional epoch reached, such as 1.25.")
  private Double epoch;

  @PrinterColumn(name = "Loss")
  @JsonPropertyDescription("Training loss of the latest step.")
  private Double loss;

  @JsonPropertyDescription("Loss on the held-out split at the latest evaluation.")
  private Double validationLoss;

  @JsonPropertyDescription("Learning rate of the latest step.")
  private Double learningRate;

  @JsonPropertyDescription("Training throughput in tokens per second.")
  private Double tokensPerSecond;

  @PrinterColumn(name = "ETA-Seconds")
  @JsonPropertyDescription("Estimated seconds until training completes.")
  private Long etaSeconds;

  @JsonPropertyDescription("Name of the Model created from the trained output.")
  private String outputModel;

  @JsonPropertyDescription("The trainer's last error when the job failed.")
  private String lastError;

  public FineTuningPhase getPhase() {
    return phase;
  }

  public void setPhase(FineTuningPhase phase) {
    this.phase = phase;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public Long getStep() {
    return step;
  }

  public void setStep(Long step) {
    this.step = step;
  }

  public Long getTotalSteps() {
    return totalSteps;
  }

  public void setTotalSteps(Long totalSteps) {
    this.totalSteps = totalSteps;
  }

  public Double getEpoch() {
    return epoch;
  }

  public void setEpoch(Double epoch) {
    this.epoch = epoch;
  }

  public Double getLoss() {
    return loss;
  }

  public void setLoss(Double loss) {
    this.loss = loss;
  }

  public Double getValidationLoss() {
    return validationLoss;
  }

  public void setValidationLoss(Double validationLoss) {
    this.validationLoss = validationLoss;
  }

  public Double getLearningRate() {
    return learningRate;
  }

  public void setLearningRate(Double learningRate) {
    this.learningRate = learningRate;
  }

  public Double getTokensPerSecond() {
    return tokensPerSecond;
  }

  public void setTokensPerSecond(Double tokensPerSecond) {
    this.tokensPerSecond = tokensPerSecond;
  }

  public Long getEtaSeconds() {
    return etaSeconds;
  }

  public void setEtaSeconds(Long etaSeconds) {
    this.etaSeconds = etaSeconds;
  }

  public String getOutputModel() {
    return outputModel;
  }

  public void setOutputModel(String outputModel) {
    this.outputModel = outputModel;
  }

  public String getLastError() {
    return lastError;
  }

  public void setLastError(String lastError) {
    this.lastError = lastError;
  }
}
