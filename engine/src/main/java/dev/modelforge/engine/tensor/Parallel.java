package dev.modelforge.engine.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that split a range of work items between them and the caller.
 * Built for the per-token hot path: {@link #run} allocates nothing, and workers spin briefly before
 * parking so back-to-back kernels do not pay a wake-up each.
 */
public final class Parallel implements AutoCloseable {

  /** Work over items {@code [start, end)}; one object is reused for many calls. */
  public interface RangeTask {
    void run(int start, int end);
  }

  private static final int SPIN_ITERATIONS = 20_000;

  private final int threads;
  private final Thread[] workers;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile long generation;
  private volatile boolean closed;
  private volatile RangeTask task;
  private volatile int items;
  private volatile Thread caller;
  private volatile Throwable failure;

  public Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    this.workers = new Thread[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      final int index = i + 1;
      workers[i] =
          Thread.ofPlatform().daemon().name("modelforge-kernel-" + index).start(() -> work(index));
    }
  }

  public static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  public int threads() {
    return threads;
  }

  /** Runs {@code task} over {@code [0, n)} split into contiguous chunks, one per thread. */
  public void run(int n, RangeTask task) {
    if (threads == 1 || n < 2) {
      task.run(0, n);
      return;
    }
    this.task = task;
    this.items = n;
    this.failure = null;
    this.caller = Thread.currentThread();
    pending.set(workers.length);
    generation = generation + 1;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    Throwable own = null;
    try {
      runChunk(0, n, task);
    } catch (Throwable t) {
      own = t;
    }
    for (int spins = 0; pending.get() != 0; spins++) {
      if (spins < SPIN_ITERATIONS) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(50_000);
      }
    }
    this.task = null;
    Throwable t = own != null ? own : failure;
    if (t instanceof RuntimeException re) {
      throw re;
    } else if (t instanceof Error e) {
      throw e;
    }
  }

  private void runChunk(int index, int n, RangeTask t) {
    int start = (int) ((long) n * index / threads);
    int end = (int) ((long) n * (index + 1) / threads);
    if (start < end) {
      t.run(start, end);
    }
  }

  private void work(int index) {
    long seen = 0;
    while (true) {
      int spins = 0;
      while (generation == seen && !closed) {
        if (spins++ < SPIN_ITERATIONS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      if (closed) {
        return;
      }
      seen = generation;
      try {
        runChunk(index, items, task);
      } catch (Throwable t) {
        failure = t;
      } finally {
        if (pending.decrementAndGet() == 0) {
          LockSupport.unpark(caller);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
