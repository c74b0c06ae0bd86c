package dev.shoal.orchestrator.internal.lifecycle;

/** Where a task is in its life. Transitions are listed in {@link Transitions}. */
public enum TaskState {
  /** In a task graph: waiting for the tasks whose outputs it reads to be accepted. */
  WAITING,
  /** Waiting to be dispatched (possibly after a backoff). */
  READY,
  /** At least one attempt is live on a worker (results of others may be under validation). */
  RUNNING,
  /** No attempt is live; results are being validated or compared. */
  VALIDATING,
  /** Manual acceptance: valid results are kept until the client confirms one. */
  AWAITING_CONFIRMATION,
  /** A valid result was accepted. */
  SUCCEEDED,
  /** The retry budget is spent. */
  FAILED,
  /** The client cancelled the task or its job. */
  CANCELLED,
  /** The task's deadline passed before it succeeded. */
  EXPIRED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == EXPIRED;
  }

  public boolean isSuccessful() {
    return this == SUCCEEDED;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
