package dev.modelforge.engine.tokenizer;

import java.util.Arrays;

/**
 * The BPE merges as a primitive open-addressing hash map from a pair of token ids, packed into one
 * long, to the merge's rank and the id of the merged token, also packed into one long. BPE looks a
 * pair up for every adjacent symbol pair it considers, so this avoids boxing and keeps the
 * 100k-300k merges of a real vocabulary in two flat arrays.
 */
final class MergeTable {

  static final long ABSENT = -1L;
  private static final long EMPTY_KEY = -1L;

  private final long[] keys;
  private final long[] values;
  private final int mask;
  private int size;

  MergeTable(int expectedMerges) {
    int capacity = Integer.highestOneBit(Math.max(4, expectedMerges * 2 - 1)) << 1;
    keys = new long[capacity];
    values = new long[capacity];
    mask = capacity - 1;
    Arrays.fill(keys, EMPTY_KEY);
  }

  /**
   * Records that {@code left} followed by {@code right} merges into {@code merged} with this rank.
   * A pair listed twice keeps its last rank, as in the reference (a map built in order).
   */
  void put(int left, int right, int rank, int merged) {
    long key = pairKey(left, right);
    int slot = slotOf(key);
    if (keys[slot] == EMPTY_KEY) {
      if (size >= keys.length / 2) {
        throw new IllegalStateException(
            "MergeTable sized for " + keys.length / 2 + " merges is full");
      }
      keys[slot] = key;
      size++;
    }
    values[slot] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
  }

  /** The packed (rank, merged id) of a pair, or {@link #ABSENT}. */
  long get(int left, int right) {
    long key = pairKey(left, right);
    int slot = slotOf(key);
    return keys[slot] == EMPTY_KEY ? ABSENT : values[slot];
  }

  static int rank(long packed) {
    return (int) (packed >>> 32);
  }

  static int mergedId(long packed) {
    return (int) packed;
  }

  int size() {
    return size;
  }

  /** The slot holding {@code key}, or the empty slot where it would go (linear probing). */
  private int slotOf(long key) {
    int slot = mix(key) & mask;
    while (keys[slot] != EMPTY_KEY && keys[slot] != key) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private static long pairKey(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
