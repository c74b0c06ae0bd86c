package dev.shoal.client;

import java.time.Duration;

/**
 * A byte range outside the blob asked for ({@code range_not_satisfiable}, 416): it starts at or
 * past the blob's end, or outside the window a signed URL opens. Not retryable unchanged.
 */
public class RangeNotSatisfiableException extends ShoalException {
  public RangeNotSatisfiableException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
