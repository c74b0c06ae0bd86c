package dev.shoal.orchestrator.internal.store;

/**
 * A webhook subscribed to the event log: where matching events go, the filter as JSON (API.md
 * "Event webhooks"), and how far delivery got. {@code cursor} is the last sequence number the
 * receiver acknowledged (or the filter skipped); {@code failures} counts failed attempts since the
 * last success. {@code secret} is kept as given because every delivery must sign with it. Times
 * are epoch milliseconds, 0 for never.
 */
public record SubscriptionRecord(
    String id,
    String url,
    String secret,
    String filter,
    long cursor,
    boolean active,
    int failures,
    String lastError,
    long createdAt,
    long deliveredAt) {

  /** Delivery got this far: the receiver acknowledged everything up to {@code to}. */
  public SubscriptionRecord delivered(long to, long at) {
    return new SubscriptionRecord(id, url, secret, filter, to, active, 0, null, createdAt, at);
  }

  /** Delivery to the receiver failed once more; it stays active unless {@code stop}. */
  public SubscriptionRecord failed(String error, boolean stop) {
    return new SubscriptionRecord(id, url, secret, filter, cursor, active && !stop, failures + 1, error, createdAt, deliveredAt);
  }
}
