package dev.shoal.orchestrator.internal.core;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the client API may ask of the core. Every method is thread-safe and never blocks; the
 * futures complete on the core's thread or the store writer's, so callers must not block in
 * their callbacks.
 */
public interface JobService {

  /**
   * Accepts a job. The future completes with the new job id once the job is durable (an
   * acknowledged job survives a crash); it fails with {@link Unavailable} when the orchestrator
   * is shutting down or its store has failed.
   */
  CompletableFuture<String> submit(JobPlan plan);

  CompletableFuture<Optional<JobStatus>> job(String jobId);

  /** Most recent jobs first. */
  CompletableFuture<List<JobStatus>> recentJobs(int limit);

  CompletableFuture<Optional<TaskStatus>> task(String jobId, String taskId);

  CompletableFuture<Optional<JobOutcome>> outcome(String jobId);

  /** Cancels every unfinished task of the job; completes once the cancellation is durable. */
  CompletableFuture<CancelOutcome> cancel(String jobId);

  /**
   * Cancels one task: a running attempt is told to stop. The job's other tasks go on; a job
   * with a cancelled task ends {@code CANCELLED} once the rest have finished.
   */
  CompletableFuture<CancelOutcome> cancelTask(String jobId, String taskId);

  CompletableFuture<List<WorkerStatus>> workers();

  /**
   * Completes with the job's final status once it has finished and that is durable; completes
   * empty for an unknown job. For waiting without polling (benchmarks, long-polling clients).
   */
  CompletableFuture<Optional<JobStatus>> whenFinished(String jobId);

  /** The core cannot take work now; retry later. */
  final class Unavailable extends RuntimeException {
    public Unavailable(String message) {
      super(message);
    }
  }
}
