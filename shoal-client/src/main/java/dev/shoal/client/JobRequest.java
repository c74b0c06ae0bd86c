package dev.shoal.client;

import dev.shoal.operators.Tensor;
import java.util.List;

/**
 * A job to submit: either a list of tasks or a tiled matrix product C = A·B, with optional
 * job-wide defaults (null = the orchestrator's), including how results are accepted
 * ({@code first_valid}, {@code quorum(k of n)} or {@code manual}). Build with {@link #tasks} or
 * {@link #matmul}. Immutable.
 */
public record JobRequest(
    List<TaskSpec> tasks,
    Tensor a,
    Tensor b,
    Integer tileRows,
    Integer tileCols,
    Long timeoutMs,
    Integer maxAttempts,
    Long deadlineMs,
    String acceptance) {

  public JobRequest {
    if ((tasks == null) == (a == null)) {
      throw new IllegalArgumentException("a job is either a task list or a matmul");
    }
    if (a != null && b == null) {
      throw new IllegalArgumentException("a matmul needs both a and b");
    }
    tasks = tasks == null ? null : List.copyOf(tasks);
  }

  public static JobRequest tasks(List<TaskSpec> tasks) {
    return new JobRequest(tasks, null, null, null, null, null, null, null, null);
  }

  /** C = a·b cut into {@code tile × tile} output tiles, one task each. */
  public static JobRequest matmul(Tensor a, Tensor b, int tile) {
    return new JobRequest(null, a, b, tile, tile, null, null, null, null);
  }

  public static JobRequest matmul(Tensor a, Tensor b, int tileRows, int tileCols) {
    return new JobRequest(null, a, b, tileRows, tileCols, null, null, null, null);
  }

  public JobRequest withTimeoutMs(long ms) {
    return new JobRequest(tasks, a, b, tileRows, tileCols, ms, maxAttempts, deadlineMs, acceptance);
  }

  public JobRequest withMaxAttempts(int n) {
    return new JobRequest(tasks, a, b, tileRows, tileCols, timeoutMs, n, deadlineMs, acceptance);
  }

  /** Unfinished tasks expire this long after the job is accepted. */
  public JobRequest withDeadlineMs(long ms) {
    return new JobRequest(tasks, a, b, tileRows, tileCols, timeoutMs, maxAttempts, ms, acceptance);
  }

  /**
   * How every task's result is accepted, unless a task says otherwise: {@code "first_valid"},
   * {@code "quorum(2 of 3)"} or {@code "manual"} (then {@link ShoalClient#confirm} picks one).
   */
  public JobRequest withAcceptance(String policy) {
    return new JobRequest(tasks, a, b, tileRows, tileCols, timeoutMs, maxAttempts, deadlineMs, policy);
  }
}
