package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A per-thread float buffer that kernels widen quantized weights into; grown, never shrunk, and
 * viewed as a memory segment for kernels that read weights through one.
 */
final class RowScratch {

  private static final class Holder {
    float[] array = new float[0];
    MemorySegment segment = MemorySegment.ofArray(array);
  }

  private static final ThreadLocal<Holder> HOLDER = ThreadLocal.withInitial(Holder::new);

  private RowScratch() {}

  static float[] get(int length) {
    Holder h = HOLDER.get();
    if (h.array.length < length) {
      h.array = new float[length];
      h.segment = MemorySegment.ofArray(h.array);
    }
    return h.array;
  }

  /** {@code array} (this thread's buffer from {@link #get}) as a segment, without allocating. */
  static MemorySegment segment(float[] array) {
    Holder h = HOLDER.get();
    return h.array == array ? h.segment : MemorySegment.ofArray(array);
  }
}
