package dev.modelforge.engine.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that split a range of work items between them and the caller.
 * Built for the per-token hot path: {@link #run} allocates nothing, and workers spin briefly before
 * parking so back-to-back kernels do not pay a wake-up each.
 *
 * <p>Threads claim chunks (by default an eighth of their share) from a shared counter rather than
 * taking a fixed share each, and a run is over when its items are done, not when every worker has
 * checked in. A thread that starts late (a wake-up), is slowed (another process on its core, a
 * slower memory path) or is not scheduled at all simply does fewer chunks, and holds the others up
 * by one chunk at most.
 *
 * <p>The claim counter is one 64-bit word: the run's number in the high half, the next item in the
 * low half. The caller marks it "being set up" before it writes a run's task and range and opens it
 * after, so a worker whose claim succeeds read the task and range of the run it claimed from.
 */
public final class Parallel implements AutoCloseable {

  /** Work over items {@code [start, end)}; one object is reused for many calls. */
  public interface RangeTask {
    void run(int start, int end);
  }

  /**
   * Chunks per thread for {@link #run}: enough to even out a late or slow thread, few enough to
   * claim cheaply.
   */
  public static final int CHUNKS_PER_THREAD = 8;

  private static final int SPIN_ITERATIONS = 20_000;
  private static final long INDEX_MASK = 0xFFFF_FFFFL;
  private static final long SETTING_UP = INDEX_MASK;

  private final int threads;
  private final Thread[] workers;

  /** Run number (high 32 bits) and next unclaimed item (low 32 bits), or {@link #SETTING_UP}. */
  private final AtomicLong ticket = new AtomicLong();

  private final AtomicInteger done = new AtomicInteger();
  private final AtomicInteger sleepers = new AtomicInteger();
  private volatile boolean callerParked;
  private volatile boolean closed;
  private volatile RangeTask task;
  private volatile int items;
  private volatile int chunk;
  private volatile Thread caller;
  private volatile Throwable failure;

  public Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.threads = threads;
    this.workers = new Thread[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] =
          Thread.ofPlatform().daemon().name("modelforge-kernel-" + (i + 1)).start(this::work);
    }
  }

  public static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  public int threads() {
    return threads;
  }

  /** Runs {@code task} over {@code [0, n)} split into contiguous chunks claimed by the threads. */
  public void run(int n, RangeTask task) {
    runChunked(n, Math.max(1, Math.ceilDiv(n, threads * CHUNKS_PER_THREAD)), task);
  }

  /**
   * Runs {@code task} over {@code [0, n)} in chunks of {@code chunk} items (the last one shorter)
   * that the threads claim in turn: for callers that know their items' cost and block structure.
   * Not for concurrent use: one caller thread at a time.
   */
  public void runChunked(int n, int chunk, RangeTask task) {
    if (chunk < 1) {
      throw new IllegalArgumentException("chunk must be at least 1, got " + chunk);
    }
    if (threads == 1 || n <= chunk) {
      task.run(0, n);
      return;
    }
    long run = (ticket.get() >>> 32) + 1;
    ticket.set(run << 32 | SETTING_UP);
    this.task = task;
    this.items = n;
    this.chunk = chunk;
    this.failure = null;
    this.caller = Thread.currentThread();
    done.set(0);
    ticket.set(run << 32);
    // a wake-up costs a system call: only for workers that stopped spinning (they count themselves
    // in before they re-check the ticket, so one of the two sides always sees the other)
    if (sleepers.get() > 0) {
      for (Thread w : workers) {
        LockSupport.unpark(w);
      }
    }
    while (claimAndRun(ticket.get())) {
      // the caller works too
    }
    for (int spins = 0; done.get() < n; spins++) {
      if (spins < SPIN_ITERATIONS) {
        Thread.onSpinWait();
      } else {
        callerParked = true;
        if (done.get() < n) {
          LockSupport.parkNanos(50_000);
        }
        callerParked = false;
      }
    }
    this.task = null;
    Throwable t = failure;
    if (t instanceof RuntimeException re) {
      throw re;
    } else if (t instanceof Error e) {
      throw e;
    }
  }

  /**
   * Claims the chunk at {@code seen} (a ticket value) and runs it; false once {@code seen} has
   * nothing left to claim. A failed claim (another thread was first) is true: look again.
   */
  private boolean claimAndRun(long seen) {
    long start = seen & INDEX_MASK;
    if (start == SETTING_UP) {
      return false;
    }
    RangeTask t = task;
    int n = items;
    int size = chunk;
    if (start >= n) {
      return false;
    }
    if (!ticket.compareAndSet(seen, seen + size)) {
      return true;
    }
    // the claim succeeded, so the ticket did not move to a new run while t, n and size were read
    int end = (int) Math.min(n, start + size);
    try {
      t.run((int) start, end);
    } catch (Throwable e) {
      failure = e;
    } finally {
      if (done.addAndGet(end - (int) start) == n && callerParked) {
        LockSupport.unpark(caller);
      }
    }
    return true;
  }

  private void work() {
    int spins = 0;
    while (!closed) {
      long seen = ticket.get();
      if (claimAndRun(seen)) {
        spins = 0;
        continue;
      }
      // nothing to claim: wait for the ticket to change
      while (ticket.get() == seen && !closed) {
        if (spins++ < SPIN_ITERATIONS) {
          Thread.onSpinWait();
        } else {
          sleepers.incrementAndGet();
          if (ticket.get() == seen && !closed) {
            LockSupport.park(this);
          }
          sleepers.decrementAndGet();
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
