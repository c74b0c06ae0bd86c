package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
import java.util.Map;

/** A job's state and progress counts, as the client API shows them. */
public record JobStatus(
    String id,
    String kind,
    JobState state,
    long createdAt,
    long finishedAt,
    int total,
    Map<TaskState, Integer> counts,
    int attempts,
    int retries,
    String error,
    String owner) {}
