package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.protocol.LedgerEntry;
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

  /**
   * Accepts a job whose caller waits on it: {@code watcher} hears every task's attempts, streamed
   * output and end. The future completes with the job id as soon as the job is taken (its
   * journal entry follows without being awaited: the caller holds the answer itself). A task
   * routed {@link Routing#immediate() immediately} that finds no free worker fails the future
   * with {@link Overloaded} or {@link NoMatch}, and nothing is kept.
   */
  CompletableFuture<String> submit(JobPlan plan, TaskWatcher watcher);

  /** A fresh job id, for a plan submitted later with {@link JobPlan#withJobId}. Thread-safe. */
  String newJobId();

  CompletableFuture<Optional<JobStatus>> job(String jobId);

  /** Most recent jobs first. */
  CompletableFuture<List<JobStatus>> recentJobs(int limit);

  CompletableFuture<Optional<TaskStatus>> task(String jobId, String taskId);

  CompletableFuture<Optional<JobOutcome>> outcome(String jobId);

  /**
   * Cancels every unfinished task of the job, recorded as done by {@code by}; completes once the
   * cancellation is durable. Whether {@code by} may is the caller's check ({@link #owner}).
   */
  CompletableFuture<CancelOutcome> cancel(String jobId, Actor by);

  default CompletableFuture<CancelOutcome> cancel(String jobId) {
    return cancel(jobId, Actor.NONE);
  }

  /**
   * Cancels one task: a running attempt is told to stop. The job's other tasks go on; a job
   * with a cancelled task ends {@code CANCELLED} once the rest have finished.
   */
  CompletableFuture<CancelOutcome> cancelTask(String jobId, String taskId, Actor by);

  default CompletableFuture<CancelOutcome> cancelTask(String jobId, String taskId) {
    return cancelTask(jobId, taskId, Actor.NONE);
  }

  /**
   * Under manual acceptance, makes the kept result of {@code attempt} the task's. Completes once
   * that is durable; other outcomes say why nothing changed.
   */
  CompletableFuture<ConfirmOutcome> confirm(String jobId, String taskId, int attempt, Actor by);

  default CompletableFuture<ConfirmOutcome> confirm(String jobId, String taskId, int attempt) {
    return confirm(jobId, taskId, attempt, Actor.NONE);
  }

  /** What an external scheduler's assignment did. */
  enum AssignOutcome {
    /** An attempt was dispatched to the worker. */
    ASSIGNED,
    NOT_FOUND,
    /** The task's service is scheduled by the orchestrator, not from outside. */
    NOT_EXTERNAL,
    /** The task has finished, or already has every attempt it needs running. */
    NOT_READY,
    /** The worker is not connected, cannot run the task, is quarantined, or already works on it. */
    WORKER_UNAVAILABLE,
    /** The worker is not registered to the task's service. */
    NOT_REGISTERED,
    /** The worker has no free slot. */
    WORKER_FULL
  }

  /**
   * Dispatches an attempt of an externally scheduled task to {@code peerId}, once the core has
   * checked registration and capacity (whether {@code by} may assign to that worker is the
   * caller's check).
   */
  CompletableFuture<AssignOutcome> assign(String jobId, String taskId, String peerId, Actor by);

  /** The service a job's task was published to ("" for none), or empty if there is no such task in memory. */
  CompletableFuture<Optional<String>> serviceOf(String jobId, String taskId);

  /** The principal a job was published for ("" for none), or empty if there is no such job. */
  CompletableFuture<Optional<String>> owner(String jobId);

  /** What a confirmation did. */
  enum ConfirmOutcome {
    CONFIRMED,
    NOT_FOUND,
    /** The task is not waiting for a confirmation (another policy, not yet, or already settled). */
    NOT_AWAITING,
    /** No kept valid result has that attempt number. */
    NO_SUCH_RESULT
  }

  CompletableFuture<List<WorkerStatus>> workers();

  /** Connected workers, and with {@code includeOffline} those gone within the last hour. */
  CompletableFuture<List<WorkerStatus>> workers(boolean includeOffline);

  /** The name a worker gave itself ("" if never seen); thread-safe, never blocks. */
  String workerName(String peerId);

  /** A worker's reputation and quarantine now, connected or not; whether it is trusted. */
  CompletableFuture<PeerStanding> standing(String peerId);

  /** Ledger entries after {@code afterSeq}, oldest first: about one worker, or all when it is null. */
  CompletableFuture<List<LedgerEntry>> ledger(String peerId, long afterSeq, int limit);

  /** Checks the whole stored ledger: dense, linked, every signature valid, ending at the live head. */
  CompletableFuture<LedgerEntry.ChainCheck> verifyLedger();

  /**
   * Appends a client's rating: a statement of kind {@code rating} signed by the client's key,
   * already checked by the caller. Completes with the entry as placed in the chain, once durable.
   */
  CompletableFuture<LedgerEntry> rate(LedgerEntry rating);

  /** An admin ends a quarantine now; false if the worker was not quarantined. */
  CompletableFuture<Boolean> liftQuarantine(String peerId);

  /** An admin registers (or removes) a trusted worker: lighter validation, spot checks all the same. */
  CompletableFuture<Void> setTrusted(String peerId, boolean trusted);

  /** A worker's standing and whether an admin trusts it. */
  record PeerStanding(Standing standing, boolean trusted) {}

  /**
   * Completes with the job's final status once it has finished and that is durable; completes
   * empty for an unknown job. For waiting without polling (benchmarks, long-polling clients).
   */
  CompletableFuture<Optional<JobStatus>> whenFinished(String jobId);

  /** The request is well formed but cannot be taken as it is; nothing changed. */
  final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  /** Every worker that could take the task is busy: overload, reported, never queued. */
  final class Overloaded extends RuntimeException {
    private final long retryAfterSeconds;

    public Overloaded(String message, long retryAfterSeconds) {
      super(message);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  /** No connected worker could ever take the task as routed. */
  final class NoMatch extends RuntimeException {
    /** What failed to match: a pinned worker, a model match, or the operator itself. */
    public enum Kind {
      WORKER,
      MODEL,
      OPERATOR
    }

    private final Kind kind;

    public NoMatch(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
    }
  }

  /** The core cannot take work now; retry later. */
  final class Unavailable extends RuntimeException {
    public Unavailable(String message) {
      super(message);
    }
  }
}
