package dev.shoal.orchestrator.internal.store;

/** A job as stored. {@code spec} is the planner's description (kind-specific JSON). */
public record JobRecord(
    String id,
    String kind,
    byte[] spec,
    JobState state,
    long createdAt,
    long finishedAt,
    int taskCount,
    String error) {}
