package dev.modelforge.engine.tensor;

/** A per-thread float row that kernels widen quantized weights into; grown, never shrunk. */
final class RowScratch {
  private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

  private RowScratch() {}

  static float[] get(int length) {
    float[][] holder = ROW.get();
    if (holder[0].length < length) {
      holder[0] = new float[length];
    }
    return holder[0];
  }
}
