package dev.shoal.orchestrator.internal.store;

/** Where a task's webhook delivery stands. */
public enum DeliveryState {
  /** Registered with its task; the task has not ended, so there is nothing to send yet. */
  WAITING,
  /** The task ended; the event is being delivered (an attempt is due or in flight). */
  PENDING,
  /** A receiver answered 2xx. */
  DELIVERED,
  /** Every attempt failed, or the target was refused when connecting. */
  FAILED;

  public boolean isFinished() {
    return this == DELIVERED || this == FAILED;
  }
}
