package dev.shoal.client;

import dev.shoal.client.internal.Transport;
import java.net.URI;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The asynchronous Java SDK for an orchestrator's HTTP API (API.md): the surface of {@link
 * ShoalClient}, with {@link java.util.concurrent.CompletableFuture}s that fail with the {@link
 * ShoalException} itself, and streams as {@link java.util.concurrent.Flow.Publisher}s.
 * Thread-safe; one instance per orchestrator is enough. Close it to release its HTTP client.
 */
public final class ShoalAsyncClient implements AutoCloseable {

  private final Transport transport;
  private final AsyncWorkers workers;
  private final AsyncTasks tasks;
  private final AsyncJobs jobs;
  private final AsyncBlobs blobs;
  private final AsyncPeers peers;
  private final AsyncKeys keys;
  private final AsyncPrincipals principals;
  private final AsyncDelegates delegates;
  private final AsyncFleet fleet;
  private final AsyncServices services;
  private final AsyncCredits credits;
  private final AsyncEvents events;

  ShoalAsyncClient(Transport transport) {
    this.transport = transport;
    this.workers = new AsyncWorkers(transport);
    this.tasks = new AsyncTasks(transport, workers);
    this.blobs = new AsyncBlobs(transport);
    this.jobs = new AsyncJobs(transport, blobs);
    this.peers = new AsyncPeers(transport);
    this.keys = new AsyncKeys(transport);
    this.principals = new AsyncPrincipals(transport);
    this.delegates = new AsyncDelegates(transport);
    this.fleet = new AsyncFleet(transport);
    this.services = new AsyncServices(transport);
    this.credits = new AsyncCredits(transport);
    this.events = new AsyncEvents(transport);
  }

  /** A client for the orchestrator at {@code baseUrl}, with the key from {@code SHOAL_API_KEY} if set. */
  public static ShoalAsyncClient connect(URI baseUrl) {
    return create(ShoalClientOptions.builder().baseUrl(baseUrl).build());
  }

  public static ShoalAsyncClient create(ShoalClientOptions options) {
    return new ShoalAsyncClient(Transport.open(Objects.requireNonNull(options, "options")));
  }

  /**
   * A client with changed options (e.g. {@code o -> o.apiKey("other").timeout(d)}, or {@code o ->
   * o.onBehalfOf(principalId)} for a delegate acting for its principal) over the same HTTP client;
   * this one is unchanged. Close each; the HTTP client closes with the last.
   */
  public ShoalAsyncClient withOptions(Consumer<ShoalClientOptions.Builder> change) {
    ShoalClientOptions.Builder b = transport.options().toBuilder();
    change.accept(b);
    return new ShoalAsyncClient(transport.derive(b.build()));
  }

  public ShoalClientOptions options() {
    return transport.options();
  }

  public AsyncWorkers workers() {
    return workers;
  }

  public AsyncTasks tasks() {
    return tasks;
  }

  public AsyncJobs jobs() {
    return jobs;
  }

  /** The data service: blobs stored by content, read whole or by range, signed URLs, collection. */
  public AsyncBlobs blobs() {
    return blobs;
  }

  public AsyncPeers peers() {
    return peers;
  }

  /** Admin: API keys. */
  public AsyncKeys keys() {
    return keys;
  }

  /** Clients and fleet owners: registered (admin) with proof of their key, listed, looked up. */
  public AsyncPrincipals principals() {
    return principals;
  }

  /** Whom a principal lets act for it, for what and until when. */
  public AsyncDelegates delegates() {
    return delegates;
  }

  /** A fleet owner's workers: paired by both signing, listed, unpaired. */
  public AsyncFleet fleet() {
    return fleet;
  }

  /** Clients' services: created, updated, retired; workers registered to them. */
  public AsyncServices services() {
    return services;
  }

  /** The credit ledger: grants (admin), balances, entries, the books' check. */
  public AsyncCredits credits() {
    return credits;
  }

  /** The orchestrator's durable event log: pages, or followed as events become durable. */
  public AsyncEvents events() {
    return events;
  }

  /** The blocking client over the same connection; closing either closes both. */
  public ShoalClient blocking() {
    return new ShoalClient(this);
  }

  Transport transport() {
    return transport;
  }

  @Override
  public void close() {
    transport.close();
  }
}
