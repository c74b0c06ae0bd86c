package dev.shoal.client;

import java.time.Duration;

/** A body or an artifact is over a cap ({@code payload_too_large}, 413). */
public class PayloadTooLargeException extends ShoalException {
  public PayloadTooLargeException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
