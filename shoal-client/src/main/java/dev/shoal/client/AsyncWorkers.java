package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The workers the orchestrator knows ({@code GET /v1/workers}), asynchronously. Thread-safe. */
public final class AsyncWorkers {

  private final Transport transport;

  AsyncWorkers(Transport transport) {
    this.transport = transport;
  }

  /** Every connected worker. */
  public CompletableFuture<List<WorkerInfo>> list() {
    return list(WorkerFilter.ALL);
  }

  /** The workers {@code filter} selects, with their full metadata. */
  public CompletableFuture<List<WorkerInfo>> list(WorkerFilter filter) {
    return transport.call(transport.get("/v1/workers" + query(filter)), Decoding::workers);
  }

  static String query(WorkerFilter f) {
    List<String> q = new ArrayList<>();
    if (f.operator() != null) {
      q.add("operator=" + Transport.query(f.operator()));
    }
    if (f.model() != null) {
      q.add("model=" + Transport.query(f.model()));
    }
    if (f.service() != null) {
      q.add("service=" + Transport.query(f.service()));
    }
    if (f.availableOnly()) {
      q.add("available=true");
    }
    if (f.includeOffline()) {
      q.add("include_offline=true");
    }
    return q.isEmpty() ? "" : "?" + String.join("&", q);
  }
}
