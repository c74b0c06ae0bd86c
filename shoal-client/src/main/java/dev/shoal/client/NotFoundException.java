package dev.shoal.client;

import java.time.Duration;

/** No such job, task or route ({@code not_found}, 404). */
public class NotFoundException extends ShoalException {
  public NotFoundException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
