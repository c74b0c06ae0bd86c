package dev.shoal.client;

import dev.shoal.operators.Tensor;
import java.util.List;

/**
 * One task: its state, each attempt, and its outputs once it succeeded ({@code id} is
 * {@code jobId.taskId}); {@code error} is null unless it ended badly.
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
    List<Tensor> outputs) {

  public TaskInfo {
    attempts = List.copyOf(attempts);
    outputs = List.copyOf(outputs);
  }

  /** One dispatch of the task to a worker; {@code endedAt} is 0 while it is live. */
  public record Attempt(int attempt, String peerId, String state, long dispatchedAt, long endedAt, String detail) {}
}
