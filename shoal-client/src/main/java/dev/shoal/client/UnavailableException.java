package dev.shoal.client;

import java.time.Duration;

/** The orchestrator cannot take work now ({@code unavailable}, 503); retry after {@link #retryAfter()}. */
public class UnavailableException extends ShoalException {
  public UnavailableException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, true, retryAfter, cause);
  }
}
