package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.nio.file.Path;
import java.util.List;

/**
 * Single tasks, run without writing a job (API.md, "Tasks"): run and wait, stream, or queue and
 * come back later; then status, result, cancel, assign and artifacts by id; and scatter, a batch
 * spread over many workers with failover. Every method throws a {@link ShoalException} subclass
 * (invalid arguments: {@link IllegalArgumentException}). Thread-safe.
 */
public final class Tasks {

  private final AsyncTasks async;

  Tasks(AsyncTasks async) {
    this.async = async;
  }

  /**
   * Runs the task and returns its checked result. Throws {@link TaskFailedException}, {@link
   * TaskTimedOutException}, {@link MeshOverloadedException} (every matching worker is full; nothing
   * was queued), {@link ModelNotFoundException}, {@link WorkerNotFoundException}, ...
   */
  public TaskResult run(TaskRequest request) {
    return Sync.await(async.run(request));
  }

  /**
   * Runs the task and returns its events as they come; use it in a try-with-resources. Failures to
   * start (e.g. {@link MeshOverloadedException}) are thrown here; a failure of the task itself
   * arrives as a {@link StreamEvent.Error}.
   */
  public TaskStream stream(TaskRequest request) {
    return new TaskStream(async.open(async.streamRequest(request)));
  }

  /** Queues the task; returns once the orchestrator holds it durably. Its webhook, if any, fires when it ends. */
  public TaskHandle submitAsync(TaskRequest request) {
    return Sync.await(async.submitAsync(request));
  }

  /** The task's state, attempts and acceptance record. */
  public TaskInfo status(String id) {
    return Sync.await(async.status(id));
  }

  /**
   * The task's result, or its error if it failed ({@link TaskResult#error()}); {@link
   * ConflictException} with {@code notFinished()} while it runs; {@link NotFoundException} once
   * its retention ended.
   */
  public TaskResult result(String id) {
    return Sync.await(async.result(id));
  }

  /** Stops the task (a running process is killed); {@link ConflictException} if it already ended. */
  public void cancel(String id) {
    Sync.await(async.cancel(id));
  }

  /** The valid results a task keeps under manual acceptance. */
  public List<TaskInfo.KeptResult> keptResults(String id) {
    return Sync.await(async.keptResults(id));
  }

  /** Under manual acceptance, makes the kept result of {@code attempt} the task's. */
  public void confirm(String id, int attempt) {
    Sync.await(async.confirm(id, attempt));
  }

  /**
   * Dispatches an attempt of an externally scheduled service's task to one of its registered
   * workers, as the worker's fleet owner or its delegate with {@code assign}. Throws {@link
   * MeshOverloadedException} when the worker has no free slot now, {@link ConflictException} when
   * the task or the worker does not allow it (see {@link AsyncTasks#assign}), {@link
   * PermissionDeniedException} when the key may not assign for the worker's owner.
   */
  public void assign(String id, String workerPeerId) {
    Sync.await(async.assign(id, workerPeerId));
  }

  /** One artifact's bytes ({@code name} as the result lists it), at most {@link ArtifactLimits#maxBytes()}. */
  public byte[] artifact(String id, String name) {
    return Sync.await(async.artifact(id, name));
  }

  /**
   * Fetches every artifact as one zip and extracts it into {@code dir}, refusing anything that
   * could land outside it (see {@link ArtifactException}); returns the files written.
   */
  public List<Path> downloadArtifacts(String id, Path dir) {
    return async.downloadNow(id, dir);
  }

  /**
   * Runs every request over {@code options.peerIds()} with failover to other workers; returns one
   * {@link ScatterResult} per request, in submission order. Never throws for a failed task.
   */
  public List<ScatterResult> scatter(List<TaskRequest> requests, ScatterOptions options) {
    return Sync.await(async.scatter(requests, options));
  }

  /** Like {@link #scatter}, over the workers found serving {@code model}. */
  public List<ScatterResult> scatterByModel(List<TaskRequest> requests, String model, ScatterOptions options) {
    return Sync.await(async.scatterByModel(requests, model, options));
  }
}
