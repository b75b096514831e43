package dev.modelforge.engine.train.layers;

import java.util.Arrays;

/**
 * One tensor of a model being trained: F32 values, and a gradient of the same shape while it is
 * trainable. Named as Hugging Face names it; {@code conv1d} marks GPT-2 weights, which are stored
 * {@code [in, out]} but held here as {@code [out, in]} like every other linear weight.
 */
public final class Parameter {

  private final String name;
  private final int[] shape;
  private final float[] value;
  private final boolean conv1d;
  private float[] grad;
  private int version;

  public Parameter(String name, float[] value, boolean conv1d, int... shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != value.length) {
      throw new IllegalArgumentException(
          name + ": " + value.length + " values do not fill shape " + Arrays.toString(shape));
    }
    this.name = name;
    this.shape = shape.clone();
    this.value = value;
    this.conv1d = conv1d;
  }

  public Parameter(String name, float[] value, int... shape) {
    this(name, value, false, shape);
  }

  public String name() {
    return name;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int size() {
    return value.length;
  }

  /** The values, updated in place by the optimizer. */
  public float[] value() {
    return value;
  }

  /** The accumulated gradient, or null while frozen. */
  public float[] grad() {
    return grad;
  }

  public boolean trainable() {
    return grad != null;
  }

  /** Frozen parameters get no gradient buffer at all, which is most of LoRA's memory saving. */
  public void setTrainable(boolean trainable) {
    if (trainable && grad == null) {
      grad = new float[value.length];
    } else if (!trainable) {
      grad = null;
    }
  }

  public boolean conv1d() {
    return conv1d;
  }

  /**
   * Bumped whenever the values change, so derived copies (a transposed weight) know they are stale.
   */
  public int version() {
    return version;
  }

  public void markUpdated() {
    version++;
  }

  public void zeroGrad() {
    if (grad != null) {
      Arrays.fill(grad, 0f);
    }
  }

  /** The values as stored in a checkpoint: GPT-2's Conv1D weights transposed back to [in, out]. */
  public float[] storedValues() {
    return stored(value);
  }

  /** The gradient in the stored layout (see {@link #storedValues}), or null while frozen. */
  public float[] storedGradient() {
    return grad == null ? null : stored(grad);
  }

  private float[] stored(float[] values) {
    if (!conv1d) {
      return values;
    }
    int out = shape[0];
    int in = shape[1];
    float[] t = new float[values.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        t[i * out + o] = values[o * in + i];
      }
    }
    return t;
  }

  /** The shape as stored: [in, out] for Conv1D weights. */
  public long[] storedShape() {
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      s[i] = shape[conv1d ? shape.length - 1 - i : i];
    }
    return s;
  }

  /** Sets the values from their stored layout (the inverse of {@link #storedValues}). */
  public void loadStored(float[] stored) {
    if (stored.length != value.length) {
      throw new IllegalArgumentException(
          name + ": " + stored.length + " stored values, expected " + value.length);
    }
    if (!conv1d) {
      System.arraycopy(stored, 0, value, 0, value.length);
    } else {
      int out = shape[0];
      int in = shape[1];
      for (int i = 0; i < in; i++) {
        for (int o = 0; o < out; o++) {
          value[o * in + i] = stored[i * out + o];
        }
      }
    }
    markUpdated();
  }
}
