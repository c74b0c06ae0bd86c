package dev.shoal.orchestrator.internal.store;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;

/** One attempt as stored. */
public record AttemptRecord(
    String jobId,
    String taskId,
    int attempt,
    String peerId,
    AttemptState state,
    long dispatchedAt,
    long endedAt,
    String detail) {}
