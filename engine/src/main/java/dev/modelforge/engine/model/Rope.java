package dev.modelforge.engine.model;

import dev.modelforge.engine.config.RopeConfig;

/**
 * Rotary position embedding in the rotate-half form of the Hugging Face checkpoints: dimension i of
 * a head pairs with i + HS/2. Cos/sin tables are computed once per model for every position.
 */
public final class Rope {

  private final int half;
  private final float[] cos;
  private final float[] sin;
  private final int maxPositions;

  public Rope(RopeConfig config, int headDim, int maxPositions) {
    this.half = headDim / 2;
    this.maxPositions = maxPositions;
    this.cos = new float[maxPositions * half];
    this.sin = new float[maxPositions * half];
    float[] invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      invFreq[i] = (float) config.inverseFrequency(i, headDim);
    }
    for (int p = 0; p < maxPositions; p++) {
      for (int i = 0; i < half; i++) {
        float angle = p * invFreq[i]; // float32 as in the reference
        cos[p * half + i] = (float) Math.cos(angle);
        sin[p * half + i] = (float) Math.sin(angle);
      }
    }
  }

  public int maxPositions() {
    return maxPositions;
  }

  /**
   * Rotates {@code heads} consecutive heads of {@code x} starting at {@code off} for position pos.
   */
  public void apply(float[] x, int off, int heads, int headDim, int pos) {
    int table = pos * half;
    for (int h = 0; h < heads; h++) {
      int base = off + h * headDim;
      for (int i = 0; i < half; i++) {
        float c = cos[table + i];
        float s = sin[table + i];
        float a = x[base + i];
        float b = x[base + i + half];
        x[base + i] = a * c - b * s;
        x[base + i + half] = b * c + a * s;
      }
    }
  }

  /**
   * The backward pass of {@link #apply}: the rotation is orthogonal, so the gradient of its input
   * is the output gradient rotated by the negative angle.
   */
  public void applyInverse(float[] dx, int off, int heads, int headDim, int pos) {
    int table = pos * half;
    for (int h = 0; h < heads; h++) {
      int base = off + h * headDim;
      for (int i = 0; i < half; i++) {
        float c = cos[table + i];
        float s = sin[table + i];
        float da = dx[base + i];
        float db = dx[base + i + half];
        dx[base + i] = da * c + db * s;
        dx[base + i + half] = db * c - da * s;
      }
    }
  }
}
