package dev.shoal.client;

import java.time.Duration;

/** The orchestrator cannot take the call now or could not be reached ({@code unavailable}, 503, or no response); retry later. */
public class UnavailableException extends ShoalException {
  public UnavailableException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, true, retryAfter, cause);
  }
}
