package dev.shoal.client;

import java.time.Duration;

/**
 * The task did not finish within its {@code timeout_ms} ({@code task_timed_out}, 504). Retry with
 * a longer timeout, not unchanged.
 */
public class TaskTimedOutException extends ShoalException {

  private final String taskId;

  public TaskTimedOutException(
      String code, int status, String message, Duration retryAfter, Throwable cause, String taskId) {
    super(code, status, message, false, retryAfter, cause);
    this.taskId = taskId;
  }

  /** The task's id, or null when the orchestrator did not say. */
  public String taskId() {
    return taskId;
  }
}
