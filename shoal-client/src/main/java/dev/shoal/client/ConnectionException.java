package dev.shoal.client;

/**
 * The orchestrator could not be reached, did not answer in time, or the connection broke while a
 * response or a stream was being read ({@code connection_failed}, no status). Retryable; a task
 * whose stream broke may still be running.
 */
public class ConnectionException extends ShoalException {
  public ConnectionException(String message, Throwable cause) {
    super("connection_failed", 0, message, true, null, cause);
  }
}
