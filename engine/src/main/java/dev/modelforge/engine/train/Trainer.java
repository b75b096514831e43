package dev.modelforge.engine.train;

import dev.modelforge.engine.train.data.Batches;
import dev.modelforge.engine.train.data.Example;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.engine.train.optim.AdamW;
import dev.modelforge.engine.train.optim.GradientClipping;
import dev.modelforge.engine.train.optim.LrSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The training loop: per optimizer step, forward and backward over {@code
 * gradientAccumulationSteps} micro-batches with the loss averaged over all their target tokens,
 * clip by global norm, one AdamW step at the scheduled rate; evaluation, early stopping and
 * checkpoints at their intervals. Deterministic for a given seed: the data order and dropout masks
 * derive from (seed, epoch, step), and the kernels' results do not depend on the thread count.
 */
public final class Trainer {

  private final TrainableModel model;
  private final TrainingConfig config;
  private final List<List<Example>> trainRows;
  private final List<Example> validation;
  private final Path checkpointDir;
  private final TrainingProgress.Listener listener;
  private final AdamW optimizer;
  private final LrSchedule schedule;
  private Path firstStepDump;
  private final int stepsPerEpoch;
  private final int totalSteps;
  private final Activations acts;

  /**
   * @param checkpointDir where checkpoints go, or null for none
   */
  public Trainer(
      TrainableModel model,
      TrainingConfig config,
      List<Example> train,
      List<Example> validation,
      Path checkpointDir,
      TrainingProgress.Listener listener) {
    if (train.isEmpty()) {
      throw new IllegalArgumentException("there are no training examples");
    }
    this.model = model;
    this.config = config;
    // packed rows fill the context the model was configured for (an example of L tokens feeds L −
    // 1)
    int capacity = Math.min(config.maxSequenceLength(), model.config().maxPositions() + 1) - 1;
    this.trainRows = config.packing() ? Batches.packed(train, capacity) : Batches.rows(train);
    this.validation = List.copyOf(validation);
    this.checkpointDir = checkpointDir;
    this.listener = listener != null ? listener : p -> {};
    List<Parameter> trainable = model.parameters().trainableParameters();
    if (trainable.isEmpty()) {
      throw new IllegalStateException("the model has no trainable parameters");
    }
    this.optimizer =
        new AdamW(
            trainable,
            config.adamBeta1(),
            config.adamBeta2(),
            config.adamEpsilon(),
            config.weightDecay());
    int microBatches = (trainRows.size() + config.batchSize() - 1) / config.batchSize();
    this.stepsPerEpoch =
        (microBatches + config.gradientAccumulationSteps() - 1)
            / config.gradientAccumulationSteps();
    int all = stepsPerEpoch * config.epochs();
    this.totalSteps = config.maxSteps() > 0 ? Math.min(all, config.maxSteps()) : all;
    this.schedule =
        config.warmupSteps() >= 0
            ? new LrSchedule(
                config.lrScheduler(), config.learningRate(), config.warmupSteps(), totalSteps)
            : LrSchedule.withWarmupRatio(
                config.lrScheduler(), config.learningRate(), config.warmupRatio(), totalSteps);
    int longest = 1;
    for (List<Example> row : trainRows) {
      longest = Math.max(longest, Batches.inputs(row));
    }
    for (Example e : validation) {
      longest = Math.max(longest, e.length() - 1);
    }
    this.acts = model.newActivations(config.batchSize(), longest);
  }

  /**
   * Writes what the first optimizer step saw (parameters, unclipped gradients, loss, rate, batches)
   * to {@code dir} (see {@link FirstStepDump}), so another framework can redo it; null: nothing.
   */
  public void dumpFirstStep(Path dir) {
    this.firstStepDump = dir;
  }

  public int totalSteps() {
    return totalSteps;
  }

  /**
   * Trains to the end, continuing from the latest checkpoint when {@code resume} and there is one.
   */
  public TrainingResult run(boolean resume) {
    try {
      return runUnchecked(resume);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TrainingResult runUnchecked(boolean resume) throws IOException {
    int start = 0;
    double best = Double.NaN;
    int patienceUsed = 0;
    double validationLoss = Double.NaN;
    if (resume && checkpointDir != null) {
      List<String> skipped = new ArrayList<>();
      Optional<Checkpoint> latest = Checkpoint.latest(checkpointDir, skipped::add);
      if (latest.isPresent()) {
        Checkpoint c = latest.get();
        if (c.totalSteps() != totalSteps || c.seed() != config.seed()) {
          throw new IllegalArgumentException(
              c.directory()
                  + " was written by a run of "
                  + c.totalSteps()
                  + " steps with seed "
                  + c.seed()
                  + ", but this run has "
                  + totalSteps
                  + " steps and seed "
                  + config.seed()
                  + "; resume with the same dataset and config");
        }
        c.restore(optimizer);
        start = c.step();
        best = c.bestValidationLoss();
        patienceUsed = c.evaluationsWithoutImprovement();
        validationLoss = c.lastValidationLoss();
        report(
            "training",
            start,
            Double.NaN,
            validationLoss,
            0,
            0,
            -1,
            "resumed from "
                + c.directory()
                + (skipped.isEmpty() ? "" : " (passed over: " + String.join("; ", skipped) + ")"));
      } else if (!skipped.isEmpty()) {
        report(
            "training",
            0,
            Double.NaN,
            Double.NaN,
            0,
            0,
            -1,
            "starting over: no checkpoint is whole (" + String.join("; ", skipped) + ")");
      }
    }
    long t0 = System.nanoTime();
    long tokens = 0;
    double loss = Double.NaN;
    boolean stoppedEarly = false;
    List<MicroBatch> epochBatches = null;
    int batchesEpoch = -1;
    int step = start;
    while (step < totalSteps) {
      int epoch = step / stepsPerEpoch;
      if (epoch != batchesEpoch) {
        epochBatches =
            Batches.microBatches(
                Batches.epochOrder(trainRows, config.seed(), epoch), config.batchSize());
        batchesEpoch = epoch;
      }
      int first = (step % stepsPerEpoch) * config.gradientAccumulationSteps();
      List<MicroBatch> micro =
          epochBatches.subList(
              first, Math.min(epochBatches.size(), first + config.gradientAccumulationSteps()));
      loss = trainStep(step, micro);
      for (MicroBatch mb : micro) {
        tokens += mb.tokenCount();
      }
      step++;
      double elapsed = (System.nanoTime() - t0) / 1e9;
      double eta = elapsed / (step - start) * (totalSteps - step);
      boolean epochEnd = step % stepsPerEpoch == 0 || step == totalSteps;
      boolean evalDue =
          config.evalSteps() > 0 ? step % config.evalSteps() == 0 || step == totalSteps : epochEnd;
      if (!validation.isEmpty() && evalDue) {
        report(
            "evaluating",
            step,
            loss,
            validationLoss,
            schedule.at(step - 1),
            tokens / elapsed,
            eta,
            "");
        validationLoss = evaluate(validation);
        if (Double.isNaN(best) || validationLoss < best) {
          best = validationLoss;
          patienceUsed = 0;
        } else {
          patienceUsed++;
        }
        stoppedEarly =
            config.earlyStoppingPatience() > 0 && patienceUsed >= config.earlyStoppingPatience();
      }
      report(
          "training", step, loss, validationLoss, schedule.at(step - 1), tokens / elapsed, eta, "");
      // Without saveSteps, every epoch ends with a checkpoint: a pod that is replaced resumes
      // there.
      boolean saveDue = config.saveSteps() > 0 ? step % config.saveSteps() == 0 : epochEnd;
      if (checkpointDir != null && (saveDue || step == totalSteps || stoppedEarly)) {
        report(
            "saving",
            step,
            loss,
            validationLoss,
            schedule.at(step - 1),
            tokens / elapsed,
            eta,
            "checkpoint");
        Checkpoint.save(
            checkpointDir,
            optimizer,
            step,
            totalSteps,
            config.seed(),
            best,
            patienceUsed,
            validationLoss);
      }
      if (stoppedEarly) {
        break;
      }
    }
    return new TrainingResult(step, loss, validationLoss, stoppedEarly);
  }

  /** One optimizer step over {@code micro}; returns the mean loss per target token. */
  private double trainStep(int step, List<MicroBatch> micro) {
    for (Parameter p : optimizer.parameters()) {
      p.zeroGrad();
    }
    int targets = 0;
    for (MicroBatch mb : micro) {
      targets += mb.targetCount();
    }
    float scale = 1f / Math.max(1, targets);
    double sum = 0;
    for (int i = 0; i < micro.size(); i++) {
      MicroBatch mb = micro.get(i);
      long dropoutSeed = TrainableModel.mix(config.seed(), (long) step * 1_000 + i);
      sum += model.forward(mb, acts, dropoutSeed);
      model.backward(mb, acts, scale);
    }
    if (step == 0 && firstStepDump != null) {
      FirstStepDump.write(
          firstStepDump,
          micro,
          sum / Math.max(1, targets),
          GradientClipping.globalNorm(optimizer.parameters()),
          schedule.at(step),
          optimizer.parameters());
    }
    GradientClipping.clip(optimizer.parameters(), config.maxGradNorm());
    optimizer.step(schedule.at(step), model.pool());
    return sum / Math.max(1, targets);
  }

  /** Mean loss per target token over {@code examples}, without dropout; exp of it is perplexity. */
  public double evaluate(List<Example> examples) {
    double sum = 0;
    long targets = 0;
    for (MicroBatch mb : Batches.unpacked(examples, config.batchSize())) {
      // examples other than the training and validation sets may be longer than the buffers
      Activations buffers =
          mb.seqLen() <= acts.seqLen() ? acts : model.newActivations(mb.batch(), mb.seqLen());
      sum += model.forward(mb, buffers, -1);
      targets += mb.targetCount();
    }
    return sum / Math.max(1, targets);
  }

  private void report(
      String phase,
      int step,
      double loss,
      double validationLoss,
      double lr,
      double tokensPerSecond,
      double eta,
      String message) {
    int epoch = Math.min(config.epochs(), Math.max(0, step - 1) / stepsPerEpoch + 1);
    listener.onProgress(
        new TrainingProgress(
            phase,
            step,
            totalSteps,
            epoch,
            loss,
            validationLoss,
            lr,
            tokensPerSecond,
            eta,
            message));
  }
}
