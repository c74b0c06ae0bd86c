package dev.shoal.client;

import java.time.Duration;
import java.util.Optional;

/**
 * An error from the orchestrator (its envelope code, HTTP status and message) or from reaching
 * it. {@link #retryable()} says whether the same call may succeed later; {@link #retryAfter()}
 * is the server's advice when it gave one. Subclasses map the envelope codes one-to-one; this
 * class itself stands for {@code internal} and codes this SDK does not know.
 */
public class ShoalException extends RuntimeException {

  private final String code;
  private final int status;
  private final boolean retryable;
  private final Duration retryAfter;

  public ShoalException(String code, int status, String message, boolean retryable, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.status = status;
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }

  /** The envelope code, e.g. {@code "invalid_argument"}. */
  public String code() {
    return code;
  }

  /** The HTTP status, or 0 when no response was received. */
  public int status() {
    return status;
  }

  /** Whether retrying the same call later may succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The server's {@code Retry-After}, when it sent one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
