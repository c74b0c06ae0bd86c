package dev.shoal.orchestrator.internal.store;

/**
 * One attempt to deliver a task's webhook: when, how it ended ({@code delivered}, {@code failed}
 * or {@code refused}) and what the receiver or the network said.
 */
public record DeliveryAttemptRecord(String taskId, int attempt, long at, String outcome, String detail) {}
