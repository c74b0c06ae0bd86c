package dev.shoal.orchestrator.internal.store;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;

/**
 * A task as stored. {@code descriptor} is a serialized {@code TaskDescriptor} without an attempt;
 * {@code result} is the accepted serialized {@code ResultDescriptor}, or null; {@code policy} is
 * its acceptance policy's text form; {@code acceptance} the JSON record of how its result was
 * accepted, or null.
 */
public record TaskRecord(
    String jobId,
    String taskId,
    int index,
    byte[] descriptor,
    int maxAttempts,
    TaskState state,
    int retriesUsed,
    int attemptCount,
    String error,
    byte[] result,
    String resultPeer,
    long updatedAt,
    String policy,
    String acceptance) {}
