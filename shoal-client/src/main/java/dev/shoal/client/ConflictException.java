package dev.shoal.client;

import java.time.Duration;

/**
 * The state forbids the call now (409): {@code conflict} (e.g. cancelling what already ended),
 * {@code not_finished} (a result asked for while its task runs: retryable, see {@link
 * #notFinished()}) or {@code cancelled} (the task was cancelled, see {@link #cancelled()}).
 */
public class ConflictException extends ShoalException {
  public ConflictException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, "not_finished".equals(code), retryAfter, cause);
  }

  /** True when the job or task is still running and the call may succeed later. */
  public boolean notFinished() {
    return "not_finished".equals(code());
  }

  /** True when the task was cancelled, so it will never have a result. */
  public boolean cancelled() {
    return "cancelled".equals(code());
  }
}
