package dev.shoal.client;

import java.time.Duration;

/** No key, or a key that is unknown or revoked ({@code unauthenticated}, 401). */
public class UnauthenticatedException extends ShoalException {
  public UnauthenticatedException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
