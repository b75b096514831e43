package dev.modelforge.engine.tokenizer;

/**
 * The BPE merge loop over one word: repeatedly merge the adjacent pair with the lowest merge rank
 * (the leftmost one on ties) until no adjacent pair has a merge. Symbols form a linked list over
 * arrays and candidate pairs wait in a binary min-heap keyed by (rank, position), so a word of n
 * symbols takes O(n log n) instead of the textbook O(n^2) rescans; a heap entry whose pair has
 * since changed is recognised when it is popped and skipped.
 */
final class BpeWord {

  private BpeWord() {}

  /**
   * Merges the symbols {@code ids[0..count)} in place and returns how many remain, compacted to the
   * front of {@code ids}.
   */
  static int mergeAll(int[] ids, int count, MergeTable merges) {
    if (count < 2) {
      return count;
    }
    int[] previous = new int[count];
    int[] next = new int[count];
    for (int i = 0; i < count; i++) {
      previous[i] = i - 1;
      next[i] = i + 1;
    }
    PairHeap candidates = new PairHeap(count);
    for (int i = 0; i + 1 < count; i++) {
      offer(candidates, merges, ids, i, i + 1);
    }
    while (!candidates.isEmpty()) {
      long top = candidates.pop();
      int rank = (int) (top >>> 32);
      int left = (int) top;
      int right = next[left];
      if (ids[left] < 0 || right >= count) {
        continue; // the left symbol was merged away, or it is now the last one
      }
      long merge = merges.get(ids[left], ids[right]);
      if (merge == MergeTable.ABSENT || MergeTable.rank(merge) != rank) {
        continue; // the pair changed since this candidate was queued
      }
      ids[left] = MergeTable.mergedId(merge);
      ids[right] = -1;
      next[left] = next[right];
      if (next[left] < count) {
        previous[next[left]] = left;
      }
      if (previous[left] >= 0) {
        offer(candidates, merges, ids, previous[left], left);
      }
      if (next[left] < count) {
        offer(candidates, merges, ids, left, next[left]);
      }
    }
    // Symbol 0 is never merged away (merges remove the right symbol), so the list starts there.
    int remaining = 0;
    for (int i = 0; i < count; i = next[i]) {
      ids[remaining++] = ids[i];
    }
    return remaining;
  }

  private static void offer(PairHeap heap, MergeTable merges, int[] ids, int left, int right) {
    long merge = merges.get(ids[left], ids[right]);
    if (merge != MergeTable.ABSENT) {
      heap.push(((long) MergeTable.rank(merge) << 32) | left);
    }
  }

  /** A binary min-heap of longs: (rank << 32 | position), so ties go to the leftmost pair. */
  private static final class PairHeap {
    private long[] heap;
    private int size;

    PairHeap(int capacity) {
      heap = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void push(long value) {
      if (size == heap.length) {
        heap = java.util.Arrays.copyOf(heap, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (heap[parent] <= value) {
          break;
        }
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = value;
    }

    long pop() {
      long top = heap[0];
      long last = heap[--size];
      int i = 0;
      int half = size >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        if (child + 1 < size && heap[child + 1] < heap[child]) {
          child++;
        }
        if (last <= heap[child]) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
      return top;
    }
  }
}
