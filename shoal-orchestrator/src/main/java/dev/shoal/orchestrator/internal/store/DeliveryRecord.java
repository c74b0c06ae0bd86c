package dev.shoal.orchestrator.internal.store;

/**
 * One task's webhook: where to send its end, the event it sends, and how far delivery got.
 * {@code secret} is kept as given because every attempt must sign with it. {@code payload} is the
 * event's JSON, fixed when the task ends (null while {@link DeliveryState#WAITING}) so retries send
 * the same bytes. {@code nextAttemptAt} is when the next attempt is due (epoch ms).
 */
public record DeliveryRecord(
    String taskId,
    String eventId,
    String url,
    String secret,
    DeliveryState state,
    String payload,
    long registeredAt,
    int attempts,
    long nextAttemptAt,
    String lastError,
    long finishedAt) {

  /** A fresh registration: waiting for its task to end. */
  public static DeliveryRecord waiting(String taskId, String eventId, String url, String secret, long at) {
    return new DeliveryRecord(taskId, eventId, url, secret, DeliveryState.WAITING, null, at, 0, 0, null, 0);
  }

  /** The task ended: the event is fixed and its first attempt is due at {@code at}. */
  public DeliveryRecord ended(String eventPayload, long at) {
    return new DeliveryRecord(
        taskId, eventId, url, secret, DeliveryState.PENDING, eventPayload, registeredAt, attempts, at, lastError,
        finishedAt);
  }

  /** The task will never end here (it was not accepted, or is unknown after a restart): nothing to send. */
  public DeliveryRecord withdrawn(String reason, long at) {
    return new DeliveryRecord(
        taskId, eventId, url, secret, DeliveryState.FAILED, payload, registeredAt, attempts, 0, reason, at);
  }

  /** One more attempt was made; the delivery moves to {@code next}. */
  public DeliveryRecord attempted(DeliveryState next, long nextAt, String error, long at) {
    return new DeliveryRecord(
        taskId, eventId, url, secret, next, payload, registeredAt, attempts + 1, nextAt, error,
        next.isFinished() ? at : 0);
  }
}
