package dev.shoal.orchestrator.internal.store;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;

/**
 * One attempt as stored. {@code result} is the signed {@code ResultDescriptor} the worker returned
 * (kept for every OK result, late ones too), or null; {@code verdict} is the JSON of its validation
 * verdict once validated, or null.
 */
public record AttemptRecord(
    String jobId,
    String taskId,
    int attempt,
    String peerId,
    AttemptState state,
    long dispatchedAt,
    long endedAt,
    String detail,
    byte[] result,
    String verdict) {}
