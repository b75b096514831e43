package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;

/** A single sequence's cache as one {@code [capacity, KVH*HS]} array per layer. */
public final class ContiguousKvCache implements KvCache {

  private final float[][] keys;
  private final float[][] values;
  private final int kvDim;
  private final int headDim;
  private final int capacity;

  public ContiguousKvCache(ModelConfig config, int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
    }
    this.kvDim = config.kvDim();
    this.headDim = config.headDim();
    this.capacity = capacity;
    long floats = (long) capacity * kvDim;
    if (floats > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "a KV cache of " + capacity + " positions x " + kvDim + " is too large for one array");
    }
    this.keys = new float[config.layers()][(int) floats];
    this.values = new float[config.layers()][(int) floats];
  }

  /** Copies the first {@code positions} positions of {@code other} into this cache (beam forks). */
  public void copyFrom(ContiguousKvCache other, int positions) {
    int n = positions * kvDim;
    for (int l = 0; l < keys.length; l++) {
      System.arraycopy(other.keys[l], 0, keys[l], 0, n);
      System.arraycopy(other.values[l], 0, values[l], 0, n);
    }
  }

  @Override
  public float[] keys(int layer) {
    return keys[layer];
  }

  @Override
  public float[] values(int layer) {
    return values[layer];
  }

  @Override
  public int offset(int pos, int head) {
    return pos * kvDim + head * headDim;
  }

  @Override
  public int capacity() {
    return capacity;
  }
}
