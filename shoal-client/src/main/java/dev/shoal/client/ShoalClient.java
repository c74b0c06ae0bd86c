package dev.shoal.client;

import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The Java SDK for an orchestrator's HTTP API (API.md), blocking. Calls are grouped as the API's
 * routes are: {@link #workers()}, {@link #tasks()} (run, stream, queue, scatter, artifacts),
 * {@link #jobs()}, {@link #blobs()} (the data service), {@link #peers()} (reputation, ledger,
 * trust), {@link #keys()} (admin), {@link #principals()} and {@link #delegates()} (who acts for
 * whom), {@link #fleet()} (fleet owners' workers), {@link #services()} (clients' services),
 * {@link #credits()} (what tasks pay) and {@link #events()} (the event log, paged or followed).
 * Every failure is a {@link ShoalException} subclass, one per API error code, plus {@link
 * ConnectionException}, {@link ProtocolException}, {@link ArtifactException} and {@link
 * LocalFileException} for what goes wrong on this side; no raw I/O or JSON exception escapes.
 * {@link #async()} gives the same surface with futures and publishers.
 *
 * <pre>{@code
 * try (ShoalClient shoal = ShoalClient.connect(URI.create("http://127.0.0.1:8080"))) {
 *   WorkerInfo w = shoal.workers().list(WorkerFilter.model("llama3.2").onlyAvailable()).getFirst();
 *   TaskResult r = shoal.tasks().run(TaskRequest.chat("llama3.2", "hi").withWorker(w.peerId()));
 *   System.out.println(r.text());
 * }
 * }</pre>
 *
 * <p>The API key is sent as {@code Authorization: Bearer}: the one given in {@link
 * ShoalClientOptions}, else {@code SHOAL_API_KEY}. Thread-safe; one instance per orchestrator is
 * enough. Close it to release its HTTP client.
 */
public final class ShoalClient implements AutoCloseable {

  private final ShoalAsyncClient async;
  private final Workers workers;
  private final Tasks tasks;
  private final Jobs jobs;
  private final Blobs blobs;
  private final Peers peers;
  private final Keys keys;
  private final Principals principals;
  private final Delegates delegates;
  private final Fleet fleet;
  private final Services services;
  private final Credits credits;
  private final Events events;

  ShoalClient(ShoalAsyncClient async) {
    this.async = async;
    this.workers = new Workers(async.workers());
    this.tasks = new Tasks(async.tasks());
    this.jobs = new Jobs(async.jobs());
    this.blobs = new Blobs(async.blobs());
    this.peers = new Peers(async.peers());
    this.keys = new Keys(async.keys());
    this.principals = new Principals(async.principals());
    this.delegates = new Delegates(async.delegates());
    this.fleet = new Fleet(async.fleet());
    this.services = new Services(async.services());
    this.credits = new Credits(async.credits());
    this.events = new Events(async.events());
  }

  /** A client for the orchestrator at {@code baseUrl} (e.g. {@code http://127.0.0.1:8080}), 60 s per call. */
  public static ShoalClient connect(URI baseUrl) {
    return create(ShoalClientOptions.builder().baseUrl(baseUrl).build());
  }

  /** A client whose calls each wait at most {@code timeout} for an answer to begin. */
  public static ShoalClient connect(URI baseUrl, Duration timeout) {
    return create(ShoalClientOptions.builder().baseUrl(baseUrl).timeout(timeout).build());
  }

  public static ShoalClient create(ShoalClientOptions options) {
    return new ShoalClient(ShoalAsyncClient.create(options));
  }

  /**
   * A client with changed options (e.g. {@code o -> o.apiKey("other").timeout(d)}, or {@code o ->
   * o.onBehalfOf(principalId)} for a delegate acting for its principal) over the same HTTP client;
   * this one is unchanged. Close each; the HTTP client closes with the last.
   */
  public ShoalClient withOptions(Consumer<ShoalClientOptions.Builder> change) {
    return new ShoalClient(async.withOptions(change));
  }

  public ShoalClientOptions options() {
    return async.options();
  }

  /** The workers the orchestrator knows. */
  public Workers workers() {
    return workers;
  }

  /** Single tasks: run, stream, queue, scatter, artifacts. */
  public Tasks tasks() {
    return tasks;
  }

  /** Jobs: task lists and graphs, tiled matrix products, batches, map-reduces. */
  public Jobs jobs() {
    return jobs;
  }

  /** The data service: blobs stored by content, read whole or by range, signed URLs, collection. */
  public Blobs blobs() {
    return blobs;
  }

  /** Reputation, the ledger, ratings; quarantine and trust (admin). */
  public Peers peers() {
    return peers;
  }

  /** Admin: API keys. */
  public Keys keys() {
    return keys;
  }

  /** Clients and fleet owners: registered (admin) with proof of their key, listed, looked up. */
  public Principals principals() {
    return principals;
  }

  /** Whom a principal lets act for it, for what and until when. */
  public Delegates delegates() {
    return delegates;
  }

  /** A fleet owner's workers: paired by both signing, listed, unpaired. */
  public Fleet fleet() {
    return fleet;
  }

  /** Clients' services: created, updated, retired; workers registered to them. */
  public Services services() {
    return services;
  }

  /** The credit ledger: grants (admin), balances, entries, the books' check. */
  public Credits credits() {
    return credits;
  }

  /**
   * The orchestrator's durable event log (jobs, tasks, attempts, workers): a page at a time, or
   * followed as events become durable, resuming by itself across disconnects and restarts.
   */
  public Events events() {
    return events;
  }

  /** The asynchronous client over the same connection; closing either closes both. */
  public ShoalAsyncClient async() {
    return async;
  }

  @Override
  public void close() {
    async.close();
  }
}
