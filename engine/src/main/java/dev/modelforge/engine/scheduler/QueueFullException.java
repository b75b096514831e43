package dev.modelforge.engine.scheduler;

/** The scheduler's waiting queue is full; the caller should retry later (HTTP 429). */
public final class QueueFullException extends RuntimeException {
  public QueueFullException(int waiting) {
    super("the server is busy: " + waiting + " requests are already waiting; retry later");
  }
}
