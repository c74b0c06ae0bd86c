package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.internal.Sync;
import dev.shoal.operators.Tensor;
import java.time.Duration;
import java.util.List;

/**
 * Jobs ({@code /v1/jobs}): task lists and graphs, tiled matrix products, batches and map-reduces
 * (see {@link JobRequest}), their progress and results. Thread-safe.
 */
public final class Jobs {

  private final AsyncJobs async;

  Jobs(AsyncJobs async) {
    this.async = async;
  }

  /** Submits a job; returns its id once the orchestrator has durably accepted it. */
  public String submit(JobRequest request) {
    return Sync.await(async.submit(request));
  }

  /** Submits a task list with the orchestrator's default timeouts; returns the job id. */
  public String submitTasks(List<TaskSpec> tasks) {
    return Sync.await(async.submitTasks(tasks));
  }

  /** Submits C = a·b as one task per {@code tile × tile} output tile; returns the job id. */
  public String submitMatmul(Tensor a, Tensor b, int tile) {
    return Sync.await(async.submitMatmul(a, b, tile));
  }

  /** Submits a job written as JSON (the HTTP API's format); the orchestrator validates it. */
  public String submitJson(String json) {
    return Sync.await(async.submitJson(json));
  }

  /** A job's state and progress. */
  public JobInfo get(String jobId) {
    return Sync.await(async.get(jobId));
  }

  /** The most recent jobs, newest first ({@code limit} in 1..1000). */
  public List<JobInfo> list(int limit) {
    return Sync.await(async.list(limit));
  }

  /** The raw result JSON of a succeeded job; {@link ConflictException} while it runs or if it failed. */
  public JsonNode result(String jobId) {
    return Sync.await(async.result(jobId));
  }

  /**
   * The one tensor a succeeded matmul or map_reduce job results in (fetched from the data service
   * when it is kept there).
   */
  public Tensor resultTensor(String jobId) {
    return Sync.await(async.resultTensor(jobId));
  }

  /**
   * What the job has so far, task by task (states, accepted outputs, errors), at any time: while
   * it runs and after it failed too.
   */
  public JobResult partialResult(String jobId) {
    return Sync.await(async.partialResult(jobId));
  }

  /** Cancels every unfinished task of the job; {@link ConflictException} if it already finished. */
  public void cancel(String jobId) {
    Sync.await(async.cancel(jobId));
  }

  /**
   * Waits until the job finishes or {@code timeout} passes, and returns it as last seen: check
   * {@link JobInfo#finished()}.
   */
  public JobInfo await(String jobId, Duration timeout) {
    return Sync.await(async.await(jobId, timeout));
  }
}
