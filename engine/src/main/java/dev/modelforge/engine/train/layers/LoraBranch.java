package dev.modelforge.engine.train.layers;

import dev.modelforge.engine.lora.LoraSettings;
import java.util.SplittableRandom;

/**
 * A low-rank update of one frozen linear layer, as PEFT defines it: {@code y += scaling · B · A ·
 * dropout(x)} with {@code A [r, in]}, {@code B [out, r]} and {@code scaling} from {@link
 * LoraSettings#scaling()} (alpha / r, or alpha / √r with rsLoRA). B starts at zero and A at PEFT's
 * default (Kaiming-uniform with a = √5, i.e. uniform in ±1/√in), so training starts from exactly
 * the base model.
 */
public final class LoraBranch {

  private final Parameter a;
  private final Parameter b;
  private final int rank;
  private final float scaling;
  private final float dropout;

  public LoraBranch(Parameter a, Parameter b, int rank, double scaling, double dropout) {
    this.a = a;
    this.b = b;
    this.rank = rank;
    this.scaling = (float) scaling;
    this.dropout = (float) dropout;
  }

  /** A fresh adapter for {@code module} ({@code [out, in]}), A drawn from {@code rng}. */
  public static LoraBranch initialise(
      String module,
      int in,
      int out,
      int rank,
      double scaling,
      double dropout,
      SplittableRandom rng) {
    float[] aValues = new float[rank * in];
    double bound = 1.0 / Math.sqrt(in);
    for (int i = 0; i < aValues.length; i++) {
      aValues[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    Parameter a = new Parameter(module + ".lora_A.weight", aValues, rank, in);
    Parameter b = new Parameter(module + ".lora_B.weight", new float[out * rank], out, rank);
    a.setTrainable(true);
    b.setTrainable(true);
    return new LoraBranch(a, b, rank, scaling, dropout);
  }

  /** {@code [r, in]} */
  public Parameter a() {
    return a;
  }

  /** {@code [out, r]} */
  public Parameter b() {
    return b;
  }

  public int rank() {
    return rank;
  }

  public float scaling() {
    return scaling;
  }

  public float dropout() {
    return dropout;
  }
}
