package dev.shoal.client;

/**
 * One verified webhook delivery (API.md, "Webhooks"): {@code type} is {@code task.finished};
 * {@code task} the task's id, {@code state} how it ended, {@code resultUrl} where its result is,
 * {@code error} why it failed (null otherwise); {@code createdAt} when the event was made (epoch
 * ms) and {@code timestamp} when this delivery was signed (epoch seconds). Fields a delivery does
 * not carry are null (or 0); {@code body} is the raw JSON, for fields this SDK does not know.
 */
public record WebhookEvent(
    String id,
    String type,
    String task,
    String state,
    String resultUrl,
    TaskResult.TaskError error,
    long createdAt,
    long timestamp,
    String body) {}
