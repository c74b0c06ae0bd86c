package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import java.util.List;

/**
 * Clients' services ({@code /v1/services}): a client's standing offer of work of one kind, which
 * workers join and tasks are published to ({@link TaskRequest#forService}), each paying credits
 * within the service's bounds. A client creates, updates and retires its own, with a key that
 * acts as it; a worker's fleet owner (or its delegate with {@code register}) registers the worker
 * to one. Thread-safe.
 */
public final class Services {

  private final AsyncServices async;

  Services(AsyncServices async) {
    this.async = async;
  }

  /** Creates a service owned by the client this key acts as; {@link ConflictException} if a live one has that name. */
  public ServiceInfo create(ServiceSpec spec) {
    return Sync.await(async.create(spec));
  }

  /** Its owner replaces what {@code changes} sets (config and hardware each whole); the operator is fixed. */
  public ServiceInfo update(String id, ServiceSpec changes) {
    return Sync.await(async.update(id, changes));
  }

  /** Its owner retires it for good: it takes no new tasks. */
  public ServiceInfo retire(String id) {
    return Sync.await(async.retire(id));
  }

  /** Every live service. */
  public List<ServiceInfo> list() {
    return Sync.await(async.list());
  }

  /** The services of client {@code owner} (null for everyone's), retired ones too if asked. */
  public List<ServiceInfo> list(String owner, boolean includeRetired) {
    return Sync.await(async.list(owner, includeRetired));
  }

  /** One service, live or retired; {@link NotFoundException} if none has that id. */
  public ServiceInfo get(String id) {
    return Sync.await(async.get(id));
  }

  /**
   * Registers {@code worker} to {@code service}, as its fleet owner or that owner's delegate with
   * {@code register}: the worker must be paired, connected, and able to run the service.
   */
  public void register(String service, String worker) {
    Sync.await(async.register(service, worker));
  }

  /** Ends a registration; {@link NotFoundException} if there was none. */
  public void unregister(String service, String worker) {
    Sync.await(async.unregister(service, worker));
  }

  /** The registrations in force of {@code service}. */
  public List<ServiceRegistration> workers(String service) {
    return Sync.await(async.workers(service));
  }
}
