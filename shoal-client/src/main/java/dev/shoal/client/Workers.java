package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.util.List;

/** The workers the orchestrator knows ({@code GET /v1/workers}). Thread-safe. */
public final class Workers {

  private final AsyncWorkers async;

  Workers(AsyncWorkers async) {
    this.async = async;
  }

  /** Every connected worker. */
  public List<WorkerInfo> list() {
    return Sync.await(async.list());
  }

  /**
   * The workers {@code filter} selects, with their full metadata: peer id (the one verifiable
   * identity), name, owner, load, hardware, operators, models, services and reputation.
   */
  public List<WorkerInfo> list(WorkerFilter filter) {
    return Sync.await(async.list(filter));
  }
}
