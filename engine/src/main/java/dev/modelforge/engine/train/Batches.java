package dev.modelforge.engine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Cuts examples into micro-batches: shuffled once per epoch by a seed derived from (seed, epoch),
 * so the order of any epoch can be rebuilt on resume without saving it. Each micro-batch is padded
 * only to its own longest sequence.
 */
public final class Batches {

  private Batches() {}

  /** The examples of {@code epoch} in training order. */
  public static List<Example> epochOrder(List<Example> examples, long seed, int epoch) {
    List<Example> order = new ArrayList<>(examples);
    java.util.Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
    return order;
  }

  /** Consecutive groups of {@code batchSize} examples (the last may be smaller). */
  public static List<MicroBatch> microBatches(List<Example> ordered, int batchSize) {
    List<MicroBatch> out = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i += batchSize) {
      out.add(of(ordered.subList(i, Math.min(ordered.size(), i + batchSize))));
    }
    return out;
  }

  /** Right-pads the examples into one micro-batch of inputs and next-token targets. */
  public static MicroBatch of(List<Example> examples) {
    int b = examples.size();
    int t = 1;
    for (Example e : examples) {
      t = Math.max(t, e.length() - 1);
    }
    int[] inputs = new int[b * t];
    int[] targets = new int[b * t];
    int[] lengths = new int[b];
    java.util.Arrays.fill(targets, CrossEntropy.IGNORE);
    for (int i = 0; i < b; i++) {
      Example e = examples.get(i);
      int len = Math.max(1, e.length() - 1);
      lengths[i] = len;
      for (int p = 0; p < e.length() - 1; p++) {
        inputs[i * t + p] = e.tokens()[p];
        if (e.isTarget()[p + 1]) {
          targets[i * t + p] = e.tokens()[p + 1];
        }
      }
    }
    return new MicroBatch(b, t, inputs, targets, lengths);
  }
}
