package dev.shoal.client;

import java.util.List;

/**
 * One task: its state, each attempt, and its outputs once it succeeded ({@code id} is
 * {@code jobId.taskId}); {@code error} is null unless it ended badly. {@code acceptance} says how
 * the result was accepted (null until it was); {@code keptResults} are the valid results waiting
 * for a confirmation under manual acceptance. {@code state} is one of waiting (a task of a task
 * graph whose inputs are not accepted yet), ready, running, validating, awaiting_confirmation,
 * succeeded, failed, cancelled, expired. An output over 1 MiB is a {@link StoredTensor} (a
 * reference into the data service), a smaller one {@link TaskOutput.Inline}.
 */
public record TaskInfo(
    String id,
    String jobId,
    String taskId,
    int index,
    String operator,
    String state,
    int retriesUsed,
    int maxAttempts,
    String error,
    List<Attempt> attempts,
    List<TaskOutput> outputs,
    String acceptancePolicy,
    Acceptance acceptance,
    List<KeptResult> keptResults) {

  public TaskInfo {
    attempts = List.copyOf(attempts);
    outputs = List.copyOf(outputs);
    keptResults = List.copyOf(keptResults);
  }

  /**
   * How the accepted result was chosen: {@code decidedBy} is validated, quorum, spot_checked,
   * recomputed or confirmed; {@code agreeing} the workers whose results matched it; {@code checks}
   * every check on every result of the task.
   */
  public record Acceptance(
      String policy, String decidedBy, int attempt, String peerId, List<String> agreeing, List<Check> checks) {}

  /**
   * One validation check on one attempt's result: method (structure, invariants, freivalds,
   * sampled_recompute, full_recompute, outvoted...), rounds or samples (0 if not applicable),
   * whether it passed, and why not.
   */
  public record Check(int attempt, String peerId, String method, int rounds, int samples, boolean passed, String detail) {}

  /** A valid result kept for a manual confirmation; its outputs inline or stored, as the task's. */
  public record KeptResult(int attempt, String peerId, List<Check> checks, List<TaskOutput> outputs) {

    public KeptResult {
      checks = List.copyOf(checks);
      outputs = List.copyOf(outputs);
    }
  }

  /** One dispatch of the task to a worker; {@code endedAt} is 0 while it is live. */
  public record Attempt(int attempt, String peerId, String state, long dispatchedAt, long endedAt, String detail) {}
}
