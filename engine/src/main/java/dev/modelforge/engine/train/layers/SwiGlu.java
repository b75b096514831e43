package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.tensor.Parallel;

/** The Llama MLP's gate: {@code h = silu(g) · u} with {@code silu(g) = g · σ(g)}, elementwise. */
public final class SwiGlu {

  private SwiGlu() {}

  public static void forward(float[] h, float[] gate, float[] up, int count, Parallel pool) {
    pool.run(
        count,
        (start, end) -> {
          for (int i = start; i < end; i++) {
            float g = gate[i];
            h[i] = g / (1f + (float) Math.exp(-g)) * up[i];
          }
        });
  }

  /** Writes dGate and dUp from dh: {@code silu'(g) = σ(g) · (1 + g · (1 − σ(g)))}. */
  public static void backward(
      float[] dGate, float[] dUp, float[] dh, float[] gate, float[] up, int count, Parallel pool) {
    pool.run(
        count,
        (start, end) -> {
          for (int i = start; i < end; i++) {
            float g = gate[i];
            float sig = 1f / (1f + (float) Math.exp(-g));
            dUp[i] = dh[i] * g * sig;
            dGate[i] = dh[i] * up[i] * sig * (1f + g * (1f - sig));
          }
        });
  }
}
