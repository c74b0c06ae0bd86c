package dev.shoal.client;

import java.time.Duration;

/**
 * The events after the cursor were dropped: the orchestrator's log no longer reaches back that far
 * ({@code events_gone}, 410). The message says from where it keeps them; resuming from there
 * means accepting the gap, so the SDK never does it on its own. Not retryable unchanged.
 */
public class EventsGoneException extends ShoalException {
  public EventsGoneException(String code, int status, String message, Duration retryAfter, Throwable cause) {
    super(code, status, message, false, retryAfter, cause);
  }
}
