package dev.shoal.orchestrator.internal.http;

import java.util.Locale;

/**
 * The one failure type of the client API: a code from the error model, its HTTP status, a message
 * meant for the caller, and (for {@code unavailable}) how long to wait before retrying. Every
 * error response is the envelope {@code {"error":{"code":"...","message":"..."}}}; the SDK maps
 * each code to one exception type. Immutable and thread-safe.
 */
public final class ApiException extends RuntimeException {

  /** The error model. Each code says whether the same call may succeed if retried. */
  public enum Code {
    /** The request is wrong; do not retry it unchanged. */
    INVALID_ARGUMENT(400, false),
    /** No or bad credentials; do not retry without new ones. */
    UNAUTHENTICATED(401, false),
    /** The principal may not do this; do not retry. */
    PERMISSION_DENIED(403, false),
    /** No such resource (or route); do not retry. */
    NOT_FOUND(404, false),
    /** The pinned worker is not connected (or is quarantined, or does not run the operator). */
    WORKER_NOT_FOUND(404, false),
    /** No connected worker matches the model string. */
    MODEL_NOT_FOUND(404, false),
    /** The route exists but not for this method; do not retry. */
    METHOD_NOT_ALLOWED(405, false),
    /** The resource is in a state that forbids this; retry higher up, after re-reading it. */
    CONFLICT(409, false),
    /** The job has not finished yet; retry the call later. */
    NOT_FINISHED(409, true),
    /** The task was cancelled before it had a result. */
    CANCELLED(409, false),
    /** The client's credit balance cannot cover the task's payment; top it up (an admin grants). */
    INSUFFICIENT_CREDITS(402, false),
    /** The events after the cursor were dropped (too old); resume from the point the message names. */
    EVENTS_GONE(410, false),
    /** The byte range asked for lies outside the blob ({@code Content-Range} says its size). */
    RANGE_NOT_SATISFIABLE(416, false),
    /** The request body is larger than the server accepts; do not retry unchanged. */
    PAYLOAD_TOO_LARGE(413, false),
    /** Too many requests; retry the call after the advised delay. */
    RATE_LIMITED(429, true),
    /** The server cannot take the call now; retry it after {@code Retry-After}. */
    UNAVAILABLE(503, true),
    /** Every worker that could take the task is full; retry after {@code Retry-After}. */
    MESH_OVERLOADED(503, true),
    /** The task ran and failed on every attempt it was allowed. */
    TASK_FAILED(502, false),
    /** The task did not finish within its timeout. */
    TASK_TIMED_OUT(504, false),
    /** A bug on the server; retrying may or may not help. */
    INTERNAL(500, false);

    private final int status;
    private final boolean retryable;

    Code(int status, boolean retryable) {
      this.status = status;
      this.retryable = retryable;
    }

    public int status() {
      return status;
    }

    public boolean retryable() {
      return retryable;
    }

    /** The code as it appears in the envelope ("invalid_argument"). */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Code code;
  private final long retryAfterSeconds;

  public ApiException(Code code, String message) {
    this(code, message, 0);
  }

  /** {@code retryAfterSeconds} > 0 adds a {@code Retry-After} header; 0 means none. */
  public ApiException(Code code, String message, long retryAfterSeconds) {
    // A control-flow exception raised on bad input: a stack trace would only cost time.
    super(message, null, false, false);
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException("retryAfterSeconds must be >= 0, got " + retryAfterSeconds);
    }
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException invalidArgument(String message) {
    return new ApiException(Code.INVALID_ARGUMENT, message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(Code.NOT_FOUND, message);
  }

  public static ApiException conflict(String message) {
    return new ApiException(Code.CONFLICT, message);
  }

  public static ApiException notFinished(String message) {
    return new ApiException(Code.NOT_FINISHED, message);
  }

  public static ApiException payloadTooLarge(String message) {
    return new ApiException(Code.PAYLOAD_TOO_LARGE, message);
  }

  public static ApiException unavailable(String message, long retryAfterSeconds) {
    return new ApiException(Code.UNAVAILABLE, message, retryAfterSeconds);
  }

  public static ApiException internal(String message) {
    return new ApiException(Code.INTERNAL, message);
  }

  public Code code() {
    return code;
  }

  public int status() {
    return code.status();
  }

  /** Seconds the caller should wait before retrying; 0 when no {@code Retry-After} is sent. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
