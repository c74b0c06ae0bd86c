package dev.shoal.orchestrator.internal.lifecycle;

/** Where one dispatch of a task to one worker is. Transitions are listed in {@link Transitions}. */
public enum AttemptState {
  /** Sent to the worker; no acknowledgement yet. */
  DISPATCHED,
  /** The worker acknowledged and is running it. */
  ACCEPTED,
  /** The worker declined it. */
  REJECTED,
  /** The worker returned a result (valid or not: validation is the task's concern). */
  COMPLETED,
  /** The worker reported that the operator failed. */
  FAILED,
  /** The deadline passed (the worker's or the orchestrator's). */
  TIMED_OUT,
  /** The worker disappeared (missed heartbeats, broken stream, orchestrator restart). */
  LOST,
  /** The orchestrator told the worker to stop (cancel, or the task was settled elsewhere). */
  CANCELLED,
  /** The worker handed the attempt back unfinished while draining: not the task's fault. */
  RELEASED,
  /** A result arrived after the attempt had ended: kept, never applied. */
  LATE;

  public boolean isLive() {
    return this == DISPATCHED || this == ACCEPTED;
  }

  /** Whether this outcome spends one of the task's retries. */
  public boolean spendsRetry() {
    return this == FAILED || this == TIMED_OUT || this == LOST || this == COMPLETED;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
