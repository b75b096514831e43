package dev.modelforge.engine.train.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Cuts examples into micro-batches. A row (one sequence of a micro-batch) holds one example, or
 * with packing several examples back to back up to a token budget, which saves the compute that
 * padding short examples would waste. Rows are fixed once and shuffled per epoch by a seed derived
 * from (seed, epoch), so the number of steps is known in advance and the order of any epoch can be
 * rebuilt on resume without saving it. Each micro-batch is padded only to its longest row.
 */
public final class Batches {

  private Batches() {}

  /** One row per example. */
  public static List<List<Example>> rows(List<Example> examples) {
    List<List<Example>> rows = new ArrayList<>(examples.size());
    examples.forEach(e -> rows.add(List.of(e)));
    return rows;
  }

  /**
   * Examples packed in order into rows of at most {@code capacity} input tokens (an example of L
   * tokens feeds L − 1); an example is never split.
   */
  public static List<List<Example>> packed(List<Example> examples, int capacity) {
    List<List<Example>> rows = new ArrayList<>();
    List<Example> row = new ArrayList<>();
    int used = 0;
    for (Example e : examples) {
      int size = inputs(e);
      if (!row.isEmpty() && used + size > capacity) {
        rows.add(List.copyOf(row));
        row.clear();
        used = 0;
      }
      row.add(e);
      used += size;
    }
    if (!row.isEmpty()) {
      rows.add(List.copyOf(row));
    }
    return rows;
  }

  /** The rows of {@code epoch} in training order. */
  public static <T> List<T> epochOrder(List<T> rows, long seed, int epoch) {
    List<T> order = new ArrayList<>(rows);
    Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
    return order;
  }

  /** Consecutive groups of {@code batchSize} rows (the last may be smaller). */
  public static List<MicroBatch> microBatches(List<List<Example>> rows, int batchSize) {
    List<MicroBatch> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += batchSize) {
      out.add(of(rows.subList(i, Math.min(rows.size(), i + batchSize))));
    }
    return out;
  }

  /** One micro-batch per {@code batchSize} examples, one example per row (evaluation). */
  public static List<MicroBatch> unpacked(List<Example> examples, int batchSize) {
    return microBatches(rows(examples), batchSize);
  }

  /** Input tokens a row needs: each example feeds all its tokens but the last. */
  public static int inputs(List<Example> row) {
    int n = 0;
    for (Example e : row) {
      n += inputs(e);
    }
    return n;
  }

  private static int inputs(Example e) {
    return Math.max(1, e.length() - 1);
  }

  /** Right-pads the rows into one micro-batch of inputs and next-token targets. */
  public static MicroBatch of(List<List<Example>> rows) {
    int b = rows.size();
    int t = 1;
    for (List<Example> row : rows) {
      t = Math.max(t, inputs(row));
    }
    int[] inputs = new int[b * t];
    int[] targets = new int[b * t];
    int[] lengths = new int[b];
    int[] segmentStarts = new int[b * t];
    java.util.Arrays.fill(targets, MicroBatch.IGNORE);
    for (int i = 0; i < b; i++) {
      int at = 0;
      for (Example e : rows.get(i)) {
        int start = at;
        for (int p = 0; p < e.length() - 1; p++, at++) {
          int n = i * t + at;
          inputs[n] = e.tokens()[p];
          segmentStarts[n] = start;
          if (e.isTarget()[p + 1]) {
            targets[n] = e.tokens()[p + 1];
          }
        }
      }
      lengths[i] = Math.max(1, at);
      // padding rows start a segment of their own, so no real row ever attends to them
      for (int p = at; p < t; p++) {
        segmentStarts[i * t + p] = at;
      }
    }
    return new MicroBatch(b, t, inputs, targets, lengths, segmentStarts);
  }

  /** One example per row. */
  public static MicroBatch ofExamples(List<Example> examples) {
    return of(rows(examples));
  }
}
