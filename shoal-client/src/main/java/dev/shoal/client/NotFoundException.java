package dev.shoal.client;

import java.time.Duration;

/**
 * No such job, task, worker, model or artifact, or a result whose retention ended ({@code
 * not_found}, 404; {@link WorkerNotFoundException} and {@link ModelNotFoundException} say which).
 * Do not retry unchanged.
 */
public class NotFoundException extends ShoalException {
  public NotFoundException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
