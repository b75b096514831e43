package dev.modelforge.engine.scheduler;

/** A submitted request: cancel it when the client goes away. */
public final class RequestHandle {

  private final Sequence sequence;
  private final Scheduler scheduler;

  RequestHandle(Sequence sequence, Scheduler scheduler) {
    this.sequence = sequence;
    this.scheduler = scheduler;
  }

  public long id() {
    return sequence.id;
  }

  /** Stops generation at the next step; the listener then gets {@code onFinish(ABORT)}. */
  public void cancel() {
    sequence.cancelled = true;
    scheduler.wakeUp();
  }
}
