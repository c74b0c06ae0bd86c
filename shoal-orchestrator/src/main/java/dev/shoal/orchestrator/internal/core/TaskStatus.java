package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.acceptance.Check;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.ResultDescriptor;
import java.util.List;

/**
 * A task's state, attempts and (when it succeeded) accepted result and how it was accepted;
 * {@code result} and {@code acceptance} may be null. {@code candidates} are the valid results
 * kept and not yet chosen (what a client confirms from under manual acceptance).
 */
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
    ResultDescriptor result,
    String policy,
    Acceptance acceptance,
    List<CandidateStatus> candidates) {

  /** A kept valid result: which attempt and worker, its outputs, and the checks it passed. */
  public record CandidateStatus(int attempt, String peerId, ResultDescriptor result, List<Check> checks) {}
}
