package dev.shoal.client;

import java.time.Duration;

/**
 * The paying client's balance does not cover a task's payment ({@code insufficient_credits},
 * 402): nothing was published and nothing held. Not retryable as it is: an admin grants more
 * ({@code credits().grant}), or the client pays less, down to the service's minimum.
 */
public class InsufficientCreditsException extends ShoalException {
  public InsufficientCreditsException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
