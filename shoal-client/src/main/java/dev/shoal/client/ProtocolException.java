package dev.shoal.client;

/**
 * A response this SDK cannot decode: not JSON, a missing or mistyped field, a malformed tensor or
 * event, or a body over the SDK's cap ({@code protocol_error}; {@link #status()} is the response's).
 * Usually a proxy in the way or a version mismatch; not retryable.
 */
public class ProtocolException extends ShoalException {
  public ProtocolException(int status, String message, Throwable cause) {
    super("protocol_error", status, message, false, null, cause);
  }
}
