package dev.shoal.client;

import java.time.Duration;
import java.util.Optional;

/**
 * Every failure the SDK reports: an error from the orchestrator (its envelope code, HTTP status
 * and message) or from reaching it. One subclass per code of API.md's error table; this class
 * itself stands for {@code internal} and codes this SDK does not know. Failures that happen on
 * this side have their own codes and status 0: {@code connection_failed} ({@link
 * ConnectionException}), {@code protocol_error} ({@link ProtocolException}, which keeps the
 * status of the response it could not decode), {@code artifact_invalid} ({@link
 * ArtifactException}), {@code local_file} ({@link LocalFileException}) and {@code interrupted}.
 *
 * <p>{@link #retryable()} says whether the same call may succeed later; {@link #retryAfter()} is
 * the server's advice when it gave one.
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
