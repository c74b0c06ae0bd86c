package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.ResultDescriptor;
import java.util.List;

/** A task's state, attempts and (when it succeeded) accepted result. {@code result} may be null. */
public record TaskStatus(
    String jobId,
    String taskId,
    int index,
    String operator,
    TaskState state,
    int retriesUsed,
    int maxAttempts,
    String error,
    List<AttemptStatus> attempts,
    ResultDescriptor result) {}
