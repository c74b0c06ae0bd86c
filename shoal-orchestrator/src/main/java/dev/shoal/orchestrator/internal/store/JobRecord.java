package dev.shoal.orchestrator.internal.store;

/**
 * A job as stored. {@code spec} is the planner's description (kind-specific JSON);
 * {@code deadlineAt} is the epoch millisecond after which unfinished tasks expire (0 = none).
 */
public record JobRecord(
    String id,
    String kind,
    byte[] spec,
    JobState state,
    long createdAt,
    long finishedAt,
    int taskCount,
    String error,
    long deadlineAt) {}
