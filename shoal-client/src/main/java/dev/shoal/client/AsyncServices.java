package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Clients' services ({@code /v1/services}), asynchronously: a client creates, updates and retires
 * its own (with a key that acts as it, not as its delegate); a worker's fleet owner, or its
 * delegate with {@code register}, registers the worker to one. Anyone with {@code read} lists
 * them. Tasks go to a service with {@link TaskRequest#forService}. Thread-safe.
 */
public final class AsyncServices {

  private final Transport transport;
  private final Encoding encoding;

  AsyncServices(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  /**
   * Creates a service owned by the client this key acts as. {@link ConflictException} if a live
   * service has that name; {@link InvalidArgumentException} naming what the orchestrator refused
   * in {@code spec} (a {@code process.run@1} service needs a command, an {@code llm.*} one a
   * model).
   */
  public CompletableFuture<ServiceInfo> create(ServiceSpec spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.name() == null || spec.operator() == null) {
      throw new IllegalArgumentException("a new service needs a name and an operator: ServiceSpec.builder(name, operator)");
    }
    return transport.call(transport.post("/v1/services", encoding.service(spec)), Decoding::service);
  }

  /**
   * Its owner replaces the fields {@code changes} sets (config and hardware each whole, see
   * {@link ServiceSpec}); the operator is fixed. {@link ConflictException} once it is retired.
   */
  public CompletableFuture<ServiceInfo> update(String id, ServiceSpec changes) {
    Objects.requireNonNull(changes, "changes");
    return transport.call(transport.patch(path(id), encoding.service(changes)), Decoding::service);
  }

  /** Its owner retires it for good: it takes no new tasks (publishing to it is then {@link NotFoundException}). */
  public CompletableFuture<ServiceInfo> retire(String id) {
    return transport.call(transport.post(path(id) + "/retire", (byte[]) null), Decoding::service);
  }

  /** Every live service. */
  public CompletableFuture<List<ServiceInfo>> list() {
    return list(null, false);
  }

  /** The services of client {@code owner} ({@code p…}; null for everyone's), retired ones too if asked. */
  public CompletableFuture<List<ServiceInfo>> list(String owner, boolean includeRetired) {
    List<String> q = new ArrayList<>();
    if (owner != null) {
      q.add("owner=" + Transport.query(owner));
    }
    if (includeRetired) {
      q.add("include_retired=true");
    }
    return transport.call(transport.get("/v1/services" + (q.isEmpty() ? "" : "?" + String.join("&", q))), Decoding::services);
  }

  /** One service, live or retired; {@link NotFoundException} if none has that id. */
  public CompletableFuture<ServiceInfo> get(String id) {
    return transport.call(transport.get(path(id)), Decoding::service);
  }

  /**
   * Registers {@code worker} to {@code service}, by the worker's fleet owner or its delegate with
   * {@code register}; already registered is fine. The worker must be paired ({@link
   * ConflictException} if not), connected since the orchestrator started, run the service's
   * operator (and model) and meet its hardware needs ({@link InvalidArgumentException} naming
   * what it lacks).
   */
  public CompletableFuture<Void> register(String service, String worker) {
    Objects.requireNonNull(worker, "worker");
    return transport.call(transport.post(path(service) + "/workers", encoding.worker(worker)), json -> null);
  }

  /** The same parties end a registration; {@link NotFoundException} if there was none. */
  public CompletableFuture<Void> unregister(String service, String worker) {
    return transport.call(
        transport.request(path(service) + "/workers/" + Transport.segment(worker)).DELETE().build(), json -> null);
  }

  /** The registrations in force of {@code service}: its workers, and who registered each. */
  public CompletableFuture<List<ServiceRegistration>> workers(String service) {
    return transport.call(transport.get(path(service) + "/workers"), json -> Decoding.registrations(service, json));
  }

  private static String path(String id) {
    return "/v1/services/" + Transport.segment(id);
  }
}
