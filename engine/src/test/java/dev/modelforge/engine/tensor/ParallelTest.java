package dev.modelforge.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The thread team: every item exactly once, whoever claims it, and failures reach the caller. */
class ParallelTest {

  @Test
  void everyItemRunsExactlyOnceAcrossManyBackToBackRuns() {
    Random random = new Random(7);
    try (Parallel pool = new Parallel(3)) {
      for (int round = 0; round < 2_000; round++) {
        int n = 1 + random.nextInt(500);
        int chunk = 1 + random.nextInt(40);
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        pool.runChunked(
            n,
            chunk,
            (start, end) -> {
              assertThat(start % chunk).isZero();
              for (int i = start; i < end; i++) {
                hits.incrementAndGet(i);
              }
            });
        for (int i = 0; i < n; i++) {
          assertThat(hits.get(i)).as("round %d: item %d of %d", round, i, n).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void aRunEndsWhenItsItemsAreDoneEvenIfAWorkerIsLate() {
    // items that take a while, then a burst of tiny runs: a worker still finishing a chunk of an
    // earlier run, or parked, must never run a later run's task over an earlier run's range
    try (Parallel pool = new Parallel(2)) {
      for (int round = 0; round < 200; round++) {
        int n = 64 + round % 7;
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        pool.run(
            n,
            (start, end) -> {
              if (start == 0) {
                LockSupport.parkNanos(20_000);
              }
              for (int i = start; i < end; i++) {
                hits.incrementAndGet(i);
              }
            });
        for (int i = 0; i < n; i++) {
          assertThat(hits.get(i)).isEqualTo(1);
        }
        if (round % 50 == 0) {
          LockSupport.parkNanos(5_000_000); // let the worker fall asleep
        }
      }
    }
  }

  @Test
  void aFailureInAnyChunkReachesTheCallerAndThePoolKeepsWorking() {
    try (Parallel pool = new Parallel(2)) {
      assertThatThrownBy(
              () ->
                  pool.runChunked(
                      100,
                      10,
                      (start, end) -> {
                        if (start == 90) {
                          throw new IllegalStateException("chunk 90 failed");
                        }
                      }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("chunk 90 failed");
      AtomicIntegerArray hits = new AtomicIntegerArray(100);
      pool.run(100, (start, end) -> hits.incrementAndGet(start));
      int chunks = 0;
      for (int i = 0; i < 100; i++) {
        chunks += hits.get(i);
      }
      int chunk = Math.ceilDiv(100, 2 * Parallel.CHUNKS_PER_THREAD);
      assertThat(chunks).isEqualTo(Math.ceilDiv(100, chunk));
    }
  }

  @Test
  void smallRangesAndOneThreadRunOnTheCaller() {
    Thread self = Thread.currentThread();
    try (Parallel one = new Parallel(1);
        Parallel two = new Parallel(2)) {
      one.run(1000, (start, end) -> assertThat(Thread.currentThread()).isSameAs(self));
      two.runChunked(5, 8, (start, end) -> assertThat(Thread.currentThread()).isSameAs(self));
      two.run(0, (start, end) -> assertThat(end).isZero());
    }
    assertThatThrownBy(() -> new Parallel(0)).hasMessageContaining("at least 1");
  }
}
