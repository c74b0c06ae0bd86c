package dev.shoal.client;

import java.util.List;
import java.util.Optional;

/**
 * A job's result task by task ({@code GET /v1/jobs/{id}/result?partial=true}): its state, and for
 * every task its state, its outputs once accepted (inline tensors, or references to the data
 * service for large ones) and its error. {@code partial} is true when it was asked for as a
 * partial result, which may be read at any time, while the job runs or after it failed.
 */
public record JobResult(String jobId, String state, boolean partial, List<Task> tasks) {

  public JobResult {
    tasks = List.copyOf(tasks);
  }

  /**
   * One task: {@code state} is one of waiting, ready, running, validating, awaiting_confirmation,
   * succeeded, failed, cancelled, expired; {@code outputs} is empty until it succeeded; {@code
   * error} is null unless it failed (for a task whose input task failed: {@code "input task a
   * failed"}).
   */
  public record Task(String id, String state, List<TaskOutput> outputs, String error) {

    public Task {
      outputs = List.copyOf(outputs);
    }

    public boolean succeeded() {
      return "succeeded".equals(state);
    }
  }

  /** The task with this id (as the job names it: {@code map-0003}, {@code tile-0000}, {@code result}, …). */
  public Optional<Task> task(String id) {
    return tasks.stream().filter(t -> t.id().equals(id)).findFirst();
  }

  /** Whether the job has reached a final state. */
  public boolean finished() {
    return !"running".equals(state);
  }
}
