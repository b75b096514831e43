package dev.modelforge.engine.scheduler;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine thread: runs scheduler steps while there is work and sleeps otherwise. A step that
 * throws ends the requests in flight with the error; the loop itself keeps serving.
 */
public final class EngineLoop implements AutoCloseable {

  private final Scheduler scheduler;
  private final Thread thread;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private volatile boolean closed;
  private volatile boolean signalled;

  public EngineLoop(Scheduler scheduler) {
    this.scheduler = scheduler;
    scheduler.onWork(this::signal);
    this.thread = Thread.ofPlatform().name("modelforge-engine").daemon().start(this::run);
  }

  private void signal() {
    lock.lock();
    try {
      signalled = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (!closed) {
      lock.lock();
      try {
        while (!closed && !signalled && !scheduler.hasWork()) {
          work.awaitUninterruptibly();
        }
        signalled = false;
      } finally {
        lock.unlock();
      }
      if (closed) {
        break;
      }
      try {
        scheduler.step();
      } catch (RuntimeException e) {
        scheduler.failAll(e);
      }
    }
  }

  /** Stops the thread after the current step; requests still queued are not run. */
  @Override
  public void close() {
    closed = true;
    signal();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
