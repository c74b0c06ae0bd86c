package dev.shoal.client;

import java.time.Duration;

/** The key lacks the scope the route needs ({@code permission_denied}, 403). */
public class PermissionDeniedException extends ShoalException {
  public PermissionDeniedException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
