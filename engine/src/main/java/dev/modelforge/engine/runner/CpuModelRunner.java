package dev.modelforge.engine.runner;

import dev.modelforge.engine.generate.TokenEmitter;
import dev.modelforge.engine.model.Batch;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs plans on the CPU: the planned tokens go into one {@link Batch}, the model's forward reads
 * each weight once for all of them, and the sequences that sample do so on every thread (each
 * sequence's sampler, penalties and text decoder are its own).
 */
public final class CpuModelRunner implements ModelRunner {

  private final DecoderModel model;
  private final InferenceState state;
  private final Batch batch;
  private final Parallel threads;
  private final int vocab;
  private final int maxSequences;

  /** Per sampling chunk of the current plan: its index in the plan and its logit row. */
  private int[] samplingChunk = new int[0];

  private int[] logitRow = new int[0];
  private TokenEmitter.Step[] sampled = new TokenEmitter.Step[0];
  private StepPlan current;
  private float[] logits;
  private final Parallel.RangeTask sampleTask = this::sample;

  public CpuModelRunner(DecoderModel model, int maxTokens, int maxSequences, Parallel threads) {
    this.model = model;
    this.state = model.newBatchState(maxTokens, maxSequences, threads);
    this.batch = new Batch(maxTokens, maxSequences);
    this.threads = threads;
    this.vocab = model.config().vocabSize();
    this.maxSequences = maxSequences;
  }

  @Override
  public DecoderModel model() {
    return model;
  }

  @Override
  public int maxTokens() {
    return batch.capacity();
  }

  @Override
  public int maxSequences() {
    return maxSequences;
  }

  @Override
  public StepOutput execute(StepPlan plan) {
    List<StepPlan.Chunk> chunks = plan.chunks();
    if (samplingChunk.length < chunks.size()) {
      int size = Math.max(chunks.size(), 2 * samplingChunk.length);
      samplingChunk = new int[size];
      logitRow = new int[size];
      sampled = new TokenEmitter.Step[size];
    }
    batch.clear();
    int n = 0;
    for (int c = 0; c < chunks.size(); c++) {
      StepPlan.Chunk chunk = chunks.get(c);
      int last = chunk.count() - 1;
      for (int k = 0; k <= last; k++) {
        int row =
            batch.add(
                chunk.token(k),
                chunk.start() + k,
                chunk.cache(),
                k == last && chunk.samples(),
                chunk.adapter());
        if (row >= 0) {
          samplingChunk[n] = c;
          logitRow[n++] = row;
        }
      }
    }
    float[] out = model.forward(state, batch);
    batch.clear();
    current = plan;
    logits = out;
    try {
      threads.runChunked(n, 1, sampleTask);
    } finally {
      current = null;
      logits = null;
    }
    List<StepOutput.Sampled> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      result.add(new StepOutput.Sampled(samplingChunk[i], sampled[i]));
      sampled[i] = null;
    }
    return new StepOutput(result);
  }

  /** Samples the next token of this plan's sampling chunks {@code [from, to)}. */
  private void sample(int from, int to) {
    for (int i = from; i < to; i++) {
      StepPlan.Chunk chunk = current.chunks().get(samplingChunk[i]);
      sampled[i] = chunk.sampler().next(logits, logitRow[i] * vocab, vocab, chunk.contextLeft());
    }
  }
}
