package dev.shoal.client;

import java.time.Duration;

/** The key's rate limit was reached ({@code rate_limited}, 429); retry after {@link #retryAfter()}. */
public class RateLimitedException extends ShoalException {
  public RateLimitedException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, true, retryAfter, cause);
  }
}
