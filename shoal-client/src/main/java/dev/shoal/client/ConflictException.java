package dev.shoal.client;

import java.time.Duration;

/**
 * The job is in a state that forbids the call ({@code conflict}, 409), or has simply not finished
 * yet ({@code not_finished}, 409: retryable; see {@link #notFinished()}).
 */
public class ConflictException extends ShoalException {
  public ConflictException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, "not_finished".equals(code), retryAfter, cause);
  }

  /** True when the job is still running and the call may succeed later. */
  public boolean notFinished() {
    return "not_finished".equals(code());
  }
}
