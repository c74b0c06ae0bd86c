package dev.shoal.client;

import java.time.Duration;

/**
 * The task ran and failed on every attempt it was allowed ({@code task_failed}, 502). Retrying the
 * same call re-runs the task; {@link #taskId()} names it, for {@code tasks().status(id)}.
 */
public class TaskFailedException extends ShoalException {

  private final String taskId;

  public TaskFailedException(
      String code, int status, String message, Duration retryAfter, Throwable cause, String taskId) {
    super(code, status, message, false, retryAfter, cause);
    this.taskId = taskId;
  }

  /** The failed task's id ({@code job_id.task_id}), or null when the orchestrator did not say. */
  public String taskId() {
    return taskId;
  }
}
