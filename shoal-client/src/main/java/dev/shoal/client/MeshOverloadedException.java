package dev.shoal.client;

import java.time.Duration;

/**
 * Every worker that could take the task is full right now ({@code mesh_overloaded}, 503); nothing
 * was queued. Retry after {@link #retryAfter()}, or submit with {@code tasks().submitAsync}, which
 * queues.
 */
public class MeshOverloadedException extends ShoalException {
  public MeshOverloadedException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, true, retryAfter, cause);
  }
}
