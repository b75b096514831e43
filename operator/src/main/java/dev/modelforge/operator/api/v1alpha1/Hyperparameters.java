package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Optimisation settings; omitted values take the trainer's defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Hyperparameters {

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Passes over the training examples.")
  private Integer epochs;

  @Min(value = 0, inclusive = false)
  @Max(1)
  @JsonPropertyDescription("Peak learning rate of AdamW, reached after the warmup.")
  private Double learningRate;

  @Min(1)
  @JsonPropertyDescription("Examples per micro-batch.")
  private Integer batchSize;

  @Min(1)
  @JsonPropertyDescription("Micro-batches whose gradients add up before each optimizer step.")
  private Integer gradientAccumulationSteps;

  @Min(8)
  @JsonPropertyDescription("Examples longer than this many tokens are truncated.")
  private Integer maxSequenceLength;

  @JsonPropertyDescription("Schedule after the warmup: constant, linear or cosine.")
  private LrScheduler lrScheduler;

  @Min(0)
  @Max(value = 1, inclusive = false)
  @JsonPropertyDescription("Fraction of the optimizer steps spent warming the rate up from 0.")
  private Double warmupRatio;

  @Min(0)
  @JsonPropertyDescription("Seed for shuffling, dropout and adapter initialisation.")
  private Long seed;

  public Integer getEpochs() {
    return epochs;
  }

  public void setEpochs(Integer epochs) {
    this.epochs = epochs;
  }

  public Double getLearningRate() {
    return learningRate;
  }

  public void setLearningRate(Double learningRate) {
    this.learningRate = learningRate;
  }

  public Integer getBatchSize() {
    return batchSize;
  }

  public void setBatchSize(Integer batchSize) {
    this.batchSize = batchSize;
  }

  public Integer getGradientAccumulationSteps() {
    return gradientAccumulationSteps;
  }

  public void setGradientAccumulationSteps(Integer gradientAccumulationSteps) {
    this.gradientAccumulationSteps = gradientAccumulationSteps;
  }

  public Integer getMaxSequenceLength() {
    return maxSequenceLength;
  }

  public void setMaxSequenceLength(Integer maxSequenceLength) {
    this.maxSequenceLength = maxSequenceLength;
  }

  public LrScheduler getLrScheduler() {
    return lrScheduler;
  }

  public void setLrScheduler(LrScheduler lrScheduler) {
    this.lrScheduler = lrScheduler;
  }

  public Double getWarmupRatio() {
    return warmupRatio;
  }

  public void setWarmupRatio(Double warmupRatio) {
    this.warmupRatio = warmupRatio;
  }

  public Long getSeed() {
    return seed;
  }

  public void setSeed(Long seed) {
    this.seed = seed;
  }
}
