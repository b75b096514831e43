package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Gemm;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;
import java.util.SplittableRandom;

/**
 * A linear layer {@code y = x · Wᵀ + b} with {@code W [out, in]}, optionally with a LoRA branch.
 * Keeps a transposed copy of W for the forward kernel, refreshed only when W has changed, so a
 * frozen base pays for it once.
 */
public final class Linear {

  private final String module;
  private final Parameter weight;
  private final Parameter bias;
  private final int in;
  private final int out;
  private LoraBranch lora;
  private float[] weightT;
  private int weightTVersion = -1;

  /**
   * @param module the module path that PEFT names adapters by ({@code
   *     model.layers.0.self_attn.q_proj})
   */
  public Linear(String module, Parameter weight, Parameter bias) {
    this.module = module;
    this.weight = weight;
    this.bias = bias;
    this.out = weight.shape()[0];
    this.in = weight.shape()[1];
  }

  public String module() {
    return module;
  }

  /** The last part of the module path, which LoRA's target_modules match: q_proj, c_attn, ... */
  public String kind() {
    return module.substring(module.lastIndexOf('.') + 1);
  }

  public Parameter weight() {
    return weight;
  }

  /** The bias, or null. */
  public Parameter bias() {
    return bias;
  }

  public int in() {
    return in;
  }

  public int out() {
    return out;
  }

  public LoraBranch lora() {
    return lora;
  }

  public void attach(LoraBranch adapter) {
    this.lora = adapter;
  }

  /** Folds the LoRA update into W ({@code W += scaling · B · A}) and drops the adapter. */
  public void mergeLora() {
    if (lora == null) {
      return;
    }
    int r = lora.rank();
    float[] w = weight.value();
    float[] a = lora.a().value();
    float[] b = lora.b().value();
    for (int o = 0; o < out; o++) {
      for (int k = 0; k < r; k++) {
        VectorMath.axpy(lora.scaling() * b[o * r + k], a, k * in, w, o * in, in);
      }
    }
    weight.markUpdated();
    lora = null;
  }

  /**
   * {@code y[N, out] = x[N, in] · Wᵀ + b (+ LoRA)}.
   *
   * @param la the LoRA branch's saved activations (null without LoRA)
   * @param dropoutSeed seeds the LoRA dropout mask; negative for no dropout (evaluation)
   */
  public void forward(
      float[] x, float[] y, int n, LoraActivations la, long dropoutSeed, Parallel pool) {
    if (weightTVersion != weight.version() || weightT == null) {
      if (weightT == null) {
        weightT = new float[in * out];
      }
      Gemm.transpose(weight.value(), weightT, out, in, pool);
      weightTVersion = weight.version();
    }
    Gemm.forward(x, weightT, y, n, in, out, pool);
    if (bias != null) {
      addBias(y, bias.value(), n, out, pool);
    }
    if (lora != null) {
      loraForward(x, y, n, la, dropoutSeed, pool);
    }
  }

  private void loraForward(
      float[] x, float[] y, int n, LoraActivations la, long dropoutSeed, Parallel pool) {
    int r = lora.rank();
    float[] input = x;
    if (la.keep != null) {
      boolean active = dropoutSeed >= 0;
      float p = lora.dropout();
      float kept = 1f / (1f - p);
      SplittableRandom rng = new SplittableRandom(dropoutSeed);
      for (int i = 0; i < n * in; i++) {
        float m = !active || rng.nextFloat() >= p ? (active ? kept : 1f) : 0f;
        la.keep[i] = m;
        la.dropped[i] = x[i] * m;
      }
      input = la.dropped;
    }
    Gemm.transpose(lora.a().value(), la.aT, r, in, pool);
    Gemm.transpose(lora.b().value(), la.bT, out, r, pool);
    Gemm.forward(input, la.aT, la.scaledU, n, in, r, pool);
    VectorMath.scale(la.scaledU, 0, n * r, lora.scaling());
    // y += scaledU · Bᵀ
    Gemm.multiply(la.scaledU, 0, r, 1, la.bT, 0, out, y, 0, out, n, out, r, true, pool);
  }

  /**
   * Accumulates the gradients of W, b and the LoRA matrices (those that are trainable) and writes
   * or adds the input gradient.
   *
   * @param dx [N, in], or null when the input needs no gradient
   * @param accumulateDx add to dx instead of overwriting it
   */
  public void backward(
      float[] x,
      float[] dy,
      float[] dx,
      boolean accumulateDx,
      int n,
      LoraActivations la,
      Parallel pool) {
    if (weight.trainable()) {
      Gemm.weightGradient(dy, x, weight.grad(), n, in, out, pool);
    }
    if (bias != null && bias.trainable()) {
      biasGradient(dy, bias.grad(), n, out, pool);
    }
    if (dx != null) {
      Gemm.inputGradient(dy, weight.value(), dx, n, in, out, accumulateDx, pool);
    }
    if (lora != null) {
      loraBackward(x, dy, dx, n, la, pool);
    }
  }

  private void loraBackward(
      float[] x, float[] dy, float[] dx, int n, LoraActivations la, Parallel pool) {
    int r = lora.rank();
    float[] input = la.dropped != null ? la.dropped : x;
    // y += scaledU · Bᵀ  ->  dB += dyᵀ · scaledU,  d(scaledU) = dy · B
    Gemm.weightGradient(dy, la.scaledU, lora.b().grad(), n, r, out, pool);
    Gemm.inputGradient(dy, lora.b().value(), la.du, n, r, out, false, pool);
    // scaledU = scaling · input · Aᵀ  ->  dA += scaling · duᵀ · input
    VectorMath.scale(la.du, 0, n * r, lora.scaling());
    Gemm.weightGradient(la.du, input, lora.a().grad(), n, in, r, pool);
    if (dx == null) {
      return;
    }
    if (la.keep == null) {
      Gemm.inputGradient(la.du, lora.a().value(), dx, n, in, r, true, pool);
    } else {
      // through the dropout mask: reuse 'dropped' as scratch, it is not needed any more
      float[] dInput = la.dropped;
      Gemm.inputGradient(la.du, lora.a().value(), dInput, n, in, r, false, pool);
      for (int i = 0; i < n * in; i++) {
        dx[i] += dInput[i] * la.keep[i];
      }
    }
  }

  public static void addBias(float[] y, float[] b, int n, int width, Parallel pool) {
    pool.run(
        n,
        (start, end) -> {
          for (int t = start; t < end; t++) {
            VectorMath.add(b, 0, y, t * width, width);
          }
        });
  }

  /** {@code db[j] += sum_t dy[t, j]}, parallel over columns so the sum order is fixed. */
  public static void biasGradient(float[] dy, float[] db, int n, int width, Parallel pool) {
    pool.run(
        width,
        (start, end) -> {
          for (int t = 0; t < n; t++) {
            int row = t * width;
            for (int j = start; j < end; j++) {
              db[j] += dy[row + j];
            }
          }
        });
  }
}
