package dev.shoal.client;

import java.time.Duration;

/** The request was malformed or refused by validation ({@code invalid_argument}, 400); do not retry unchanged. */
public class InvalidArgumentException extends ShoalException {
  public InvalidArgumentException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
