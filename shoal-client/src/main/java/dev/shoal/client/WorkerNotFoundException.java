package dev.shoal.client;

import java.time.Duration;

/** The worker a task was pinned to is not connected ({@code worker_not_found}, 404); pick another. */
public class WorkerNotFoundException extends NotFoundException {
  public WorkerNotFoundException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, retryAfter, cause);
  }
}
