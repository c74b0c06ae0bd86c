package dev.shoal.orchestrator.internal.store;

/**
 * One append-only, sequence-numbered state change. {@code kind} is "task", "attempt", "job" or
 * "worker"; ids that do not apply are empty; {@code attempt} is 0 when not about an attempt.
 */
public record EventRecord(
    long seq,
    long at,
    String kind,
    String jobId,
    String taskId,
    int attempt,
    String peerId,
    String from,
    String to,
    String detail) {}
