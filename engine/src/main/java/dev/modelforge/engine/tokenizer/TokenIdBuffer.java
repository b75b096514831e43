package dev.modelforge.engine.tokenizer;

import java.util.Arrays;

/** A growable list of token ids, so that encoding collects ids without boxing them. */
final class TokenIdBuffer {

  private int[] ids;
  private int size;

  TokenIdBuffer(int initialCapacity) {
    ids = new int[Math.max(4, initialCapacity)];
  }

  void add(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, ids.length * 2);
    }
    ids[size++] = id;
  }

  void addAll(int[] more, int count) {
    if (size + count > ids.length) {
      ids = Arrays.copyOf(ids, Math.max(ids.length * 2, size + count));
    }
    System.arraycopy(more, 0, ids, size, count);
    size += count;
  }

  int get(int index) {
    return ids[index];
  }

  int size() {
    return size;
  }

  /** Drops the first {@code count} ids. */
  void removeFirst(int count) {
    System.arraycopy(ids, count, ids, 0, size - count);
    size -= count;
  }

  int[] toArray() {
    return Arrays.copyOf(ids, size);
  }
}
