package dev.shoal.orchestrator.internal.store;

/**
 * A job as stored. {@code spec} is the planner's description (kind-specific JSON);
 * {@code deadlineAt} is the epoch millisecond after which unfinished tasks expire (0 = none).
 * {@code owner} is the client principal it was published for and {@code actor} the API key that
 * published it (both empty on an orchestrator without keys, or for an operator's key).
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
    long deadlineAt,
    String owner,
    String actor) {}
