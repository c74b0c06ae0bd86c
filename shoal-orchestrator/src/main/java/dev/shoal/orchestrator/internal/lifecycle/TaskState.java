package dev.shoal.orchestrator.internal.lifecycle;

/** Where a task is in its life. Transitions are listed in {@link Transitions}. */
public enum TaskState {
  /** Waiting to be dispatched (possibly after a backoff). */
  READY,
  /** At least one attempt is live on a worker. */
  RUNNING,
  /** A result came back and is being checked. */
  VALIDATING,
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
