package dev.modelforge.engine.train.layers;

/**
 * What one LoRA branch keeps from its forward pass for the backward pass of the same micro-batch.
 * Shapes: N rows (B · T), {@code in} and {@code out} of the adapted layer, r the rank.
 */
public final class LoraActivations {

  /** [N, in] dropout multipliers (0 or 1 / (1 - p)); null without dropout. */
  final float[] keep;

  /** [N, in] the input after dropout; null without dropout (the layer input is used). */
  final float[] dropped;

  /** [N, r] {@code scaling · dropout(x) · Aᵀ}. */
  final float[] scaledU;

  /** [N, r] gradient scratch. */
  final float[] du;

  /** [in, r] and [r, out]: Aᵀ and Bᵀ of this forward pass. */
  final float[] aT;

  final float[] bT;

  public LoraActivations(int rows, int in, int out, LoraBranch lora) {
    int r = lora.rank();
    boolean dropout = lora.dropout() > 0;
    this.keep = dropout ? new float[rows * in] : null;
    this.dropped = dropout ? new float[rows * in] : null;
    this.scaledU = new float[rows * r];
    this.du = new float[rows * r];
    this.aT = new float[in * r];
    this.bT = new float[r * out];
  }
}
