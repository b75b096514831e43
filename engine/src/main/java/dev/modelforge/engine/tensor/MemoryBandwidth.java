package dev.modelforge.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the read bandwidth the matmul kernels can reach: the threads of a pool stream through a
 * buffer far larger than the caches with the same vector loads the F32 kernel uses. The best of
 * several passes is the figure, as in STREAM.
 */
public final class MemoryBandwidth {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int WARMUP_PASSES = 3;

  private MemoryBandwidth() {}

  /** Bytes per second read by {@code pool}'s threads over a {@code bytes}-sized buffer. */
  public static double measure(Parallel pool, long bytes, int passes) {
    long floats = bytes / 4 / F.length() * F.length();
    try (Arena arena = Arena.ofShared()) {
      MemorySegment buf = WeightMemory.allocate(arena, floats * 4);
      buf.fill((byte) 1);
      int chunks = pool.threads() * 64;
      long perChunk = floats / chunks / F.length() * F.length();
      float[] sink = new float[chunks];
      Parallel.RangeTask read =
          (start, end) -> {
            for (int c = start; c < end; c++) {
              long base = c * perChunk * 4;
              FloatVector acc = FloatVector.zero(F);
              for (long i = 0; i < perChunk; i += F.length()) {
                acc =
                    acc.add(
                        FloatVector.fromMemorySegment(
                            F, buf, base + i * 4, ByteOrder.LITTLE_ENDIAN));
              }
              sink[c] = acc.reduceLanes(VectorOperators.ADD);
            }
          };
      // untimed passes first, so the timed ones run compiled code, as the kernels being compared
      // against this figure do after their own warm-up
      for (int p = 0; p < WARMUP_PASSES; p++) {
        pool.run(chunks, read);
      }
      double best = 0;
      for (int p = 0; p < passes; p++) {
        long t0 = System.nanoTime();
        pool.run(chunks, read);
        long t1 = System.nanoTime();
        best = Math.max(best, perChunk * chunks * 4.0 / ((t1 - t0) / 1e9));
      }
      if (sink[0] == 42) { // keep the reads alive
        System.out.print("");
      }
      return best;
    }
  }
}
