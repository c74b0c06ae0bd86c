package dev.shoal.orchestrator;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.validation.ValidationSettings;
import dev.shoal.orchestrator.internal.core.Core;
import dev.shoal.orchestrator.internal.core.CoreSettings;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.auth.ApiKeys;
import dev.shoal.orchestrator.internal.auth.Authorizer;
import dev.shoal.orchestrator.internal.auth.BindPolicy;
import dev.shoal.orchestrator.internal.auth.RateLimiter;
import dev.shoal.orchestrator.internal.events.EventFeed;
import dev.shoal.orchestrator.internal.events.EventStreamService;
import dev.shoal.orchestrator.internal.http.DeliveredWebhooks;
import dev.shoal.orchestrator.internal.principals.Authority;
import dev.shoal.orchestrator.internal.principals.Directory;
import dev.shoal.orchestrator.internal.services.Services;
import dev.shoal.orchestrator.internal.credits.Credits;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.data.BlobCollector;
import dev.shoal.orchestrator.internal.data.BlobTensors;
import dev.shoal.orchestrator.internal.data.BlobUrls;
import dev.shoal.orchestrator.internal.data.SignedDataLinks;
import dev.shoal.orchestrator.internal.jobs.PlannerLimits;
import dev.shoal.orchestrator.internal.http.HttpApi;
import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.store.SqliteClientStore;
import dev.shoal.orchestrator.internal.webhooks.TargetPolicy;
import dev.shoal.orchestrator.internal.webhooks.EventSubscriptions;
import dev.shoal.orchestrator.internal.webhooks.WebhookDispatcher;
import dev.shoal.orchestrator.internal.webhooks.WebhookSender;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.link.WorkerLinkService;
import dev.shoal.orchestrator.internal.reputation.ReputationPolicy;
import dev.shoal.orchestrator.internal.store.GroupCommitter;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.SqliteStore;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.time.Clock;
import dev.shoal.orchestrator.internal.time.SystemClock;
import dev.shoal.orchestrator.internal.acceptance.OperatorChecker;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.KeyFiles;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running orchestrator: the worker protocol over gRPC, the client API over HTTP, and the core
 * between them. Lifecycle shaped like an ExecutorService: {@link #start}, {@link #shutdown},
 * {@link #awaitTermination}.
 */
public final class Orchestrator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Orchestrator.class);
  /** Newest events kept in memory for followers near the head; older ones are read from the store. */
  private static final int EVENT_RING = 8192;

  private final OrchestratorConfig config;
  private final SystemClock clock = new SystemClock();
  private final StateStore store;
  private final GroupCommitter committer;
  private final ExecutorService queries = Executors.newVirtualThreadPerTaskExecutor();
  /** Result validation is CPU work: one thread per core, off the event loops. */
  private final ExecutorService validations =
      Executors.newFixedThreadPool(
          Runtime.getRuntime().availableProcessors(), Thread.ofPlatform().name("shoal-validate-", 0).daemon().factory());
  private final KeyPair identity;
  private final Core core;
  private final Server grpc;
  private final HttpApi http;
  private final ClientStore clients;
  private final ApiKeys keys;
  private final WebhookDispatcher webhooks;
  private final DeliveredWebhooks deliveries;
  private final EventFeed events;
  private final EventStreamService eventStream;
  private final EventSubscriptions subscriptions;
  private final Credits credits;
  private final BlobStore blobs;
  private final BlobTensors storedTensors;
  private final BlobCollector blobCollector;
  /** How often unreferenced blobs past their grace are deleted. */
  private static final Duration BLOB_SWEEP = Duration.ofMinutes(10);
  private final java.util.concurrent.ScheduledExecutorService blobSweeper =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("blob-gc").factory());
  /** Without a data directory, blobs live here until the orchestrator stops. */
  private final java.nio.file.Path blobTemp;
  private volatile boolean stopped;

  private Orchestrator(OrchestratorConfig config, Function<ServerBuilder<?>, ServerBuilder<?>> transport) {
    this.config = config;
    this.store =
        config.dataDir() == null
            ? new MemoryStore()
            : new SqliteStore(config.dataDir().resolve("shoal.db"), config.fsync());
    // Memory has nothing to make durable: a writer thread would only add a wake-up per change.
    this.committer = config.dataDir() == null ? GroupCommitter.inline(store) : new GroupCommitter(store);
    this.events = new EventFeed(store, EVENT_RING);
    this.blobTemp = config.dataDir() == null ? blobTemp() : null;
    this.blobs = new BlobStore(blobTemp != null ? blobTemp : config.dataDir().resolve("blobs"), config.fsync());
    this.storedTensors = new BlobTensors(blobs);
    committer.onCommit(events::committed);
    this.identity = identity(config);
    CoreSettings settings =
        new CoreSettings(
            PeerIds.orchestratorId(Ed25519.rawPublicKey(identity.getPublic())),
            config.heartbeatInterval().toMillis(),
            config.missedHeartbeats(),
            Math.max(1_000, config.heartbeatInterval().toMillis()),
            config.slotHold().toMillis(),
            100,
            5_000,
            60_000,
            config.spotCheckFraction(),
            ReputationPolicy.DEFAULT
                .withCoolOff(config.quarantineCoolOff().toMillis())
                .withThreshold(config.quarantineThreshold()),
            config.resultRetention().toMillis());
    this.core =
        new Core(settings, clock, store, committer, queries, checker(config, storedTensors), validations, identity);
    // Trust given on the command line is in force for this run; the API's is stored.
    config.trustedPeers().forEach(core::trust);
    MessageValidator validator = new MessageValidator(ProtocolLimits.DEFAULT);
    WorkerLinkService link = new WorkerLinkService(core, validator, ProtocolVersions.SUPPORTED, clock::millis);
    ServerBuilder<?> builder =
        transport.apply(
            NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcHost(), config.grpcPort()))
                // The core never blocks, so messages are handled on the event loop: no thread hop.
                .directExecutor()
                .maxInboundMessageSize(ProtocolLimits.DEFAULT.maxMessageBytes())
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true));
    this.clients =
        config.dataDir() == null
            ? new MemoryClientStore()
            : new SqliteClientStore(config.dataDir().resolve("clients.db"), config.fsync());
    this.keys = new ApiKeys(clients, clock, Executors.newVirtualThreadPerTaskExecutor());
    BindPolicy.check(config.httpHost(), keys.anyKeys(), config.allowUnauthenticatedPublic());
    this.webhooks =
        new WebhookDispatcher(clients, new WebhookSender(new TargetPolicy(config.webhookAllowPrivate())), clock);
    this.deliveries = new DeliveredWebhooks(webhooks, core, webhookSecret(config));
    this.subscriptions =
        new EventSubscriptions(
            events, clients, new WebhookSender(new TargetPolicy(config.webhookAllowPrivate())), clock, Duration.ofSeconds(1));
    Authorizer authorizer = new Authorizer(keys, new RateLimiter(clock));
    Directory directory = new Directory(store, core, clock);
    core.onWorkerConnected(d -> directory.workerConnected(d.getPeerId(), d.getOwner(), d.getIssuedAtMs()));
    Services services = new Services(store, core, clock);
    core.onWorkerConnected(services::workerConnected);
    core.useRegistrations(services::isRegistered);
    this.credits = new Credits(store, core, clock, directory::ownerOf);
    core.usePayments(credits);
    this.eventStream = new EventStreamService(events);
    BlobUrls blobUrls = BlobUrls.open(config.dataDir());
    this.grpc = builder.addService(link).addService(eventStream.withAccess(authorizer)).build();
    this.http =
        new HttpApi(
            core,
            new JobPlanner(OperatorRegistry.standard(), PlannerLimits.DEFAULT, blobs),
            new ResultAssembler(blobs),
            config.httpHost(),
            config.httpPort(),
            config.maxRequestBytes(),
            new HttpApi.Access(keys, authorizer, deliveries, directory, new Authority(directory, clock), services, credits),
            new HttpApi.Events(events, subscriptions),
            blobs,
            blobUrls);
    http.countValidationBytes(storedTensors::outputBytesRead);
    long retention = config.resultRetention().toMillis();
    // Results kept forever keep their blobs forever: there is nothing to collect.
    this.blobCollector = retention > 0 ? new BlobCollector(blobs, core::liveBlobs, retention) : null;
    if (blobCollector != null) {
      http.collectBlobsWith(blobCollector::collect);
    }
    core.useDataLinks(new SignedDataLinks(blobUrls, this::publicUrl, clock::millis, config.maxRequestBytes()));
  }

  private void sweepBlobs() {
    try {
      blobCollector.collect();
    } catch (RuntimeException e) {
      log.warn("event=blob_collection_failed reason=\"{}\"", e.getMessage());
    }
  }

  /** Blobs of an orchestrator without a data directory: gone when it stops, like all it keeps. */
  private static java.nio.file.Path blobTemp() {
    try {
      return java.nio.file.Files.createTempDirectory("shoal-blobs-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory for blobs: " + e.getMessage(), e);
    }
  }

  /** The secret that signs webhooks of requests that bring none; null without a file. */
  private static String webhookSecret(OrchestratorConfig config) {
    if (config.webhookSecretFile() == null) {
      return null;
    }
    try {
      String secret = java.nio.file.Files.readString(config.webhookSecretFile()).strip();
      if (secret.length() < WebhookDispatcher.MIN_SECRET_LENGTH || secret.length() > WebhookDispatcher.MAX_SECRET_LENGTH) {
        throw new IllegalArgumentException(
            "webhook-secret-file must hold " + WebhookDispatcher.MIN_SECRET_LENGTH + ".."
                + WebhookDispatcher.MAX_SECRET_LENGTH + " characters");
      }
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("webhook-secret-file: " + e.getMessage(), e);
    }
  }

  /**
   * The orchestrator's Ed25519 key: kept in the data directory (owner-only) so its id and the
   * signatures on its ledger entries stay the same across restarts; fresh each run in memory mode.
   */
  private static KeyPair identity(OrchestratorConfig config) {
    if (config.dataDir() == null) {
      return Ed25519.generate();
    }
    try {
      return KeyFiles.loadOrCreate(config.dataDir().resolve("orchestrator.key"));
    } catch (IOException e) {
      throw new UncheckedIOException("orchestrator key: " + e.getMessage(), e);
    }
  }

  /** The operators' validators at the configured strength; trusted workers' never stronger than light. */
  private static OperatorChecker checker(OrchestratorConfig config, BlobTensors stored) {
    ValidationSettings full = new ValidationSettings(config.freivaldsRounds(), config.validationSamples());
    ValidationSettings light =
        new ValidationSettings(
            Math.min(full.freivaldsRounds(), ValidationSettings.LIGHT.freivaldsRounds()),
            Math.min(full.samples(), ValidationSettings.LIGHT.samples()));
    return new OperatorChecker(OperatorRegistry.standard(), full, light, stored);
  }

  /** The orchestrator's id, derived from its public key ("o" + 32 base32 characters). */
  public String id() {
    return PeerIds.orchestratorId(Ed25519.rawPublicKey(identity.getPublic()));
  }

  /** An orchestrator on Netty as configured. */
  public static Orchestrator create(OrchestratorConfig config) {
    return new Orchestrator(config, Function.identity());
  }

  /** Recovers state, then opens the gRPC and HTTP ports. */
  public Orchestrator start() {
    core.start();
    // An escrow whose task ended without its settlement (a batch split in two by a crash) is settled now.
    credits.reconcile();
    try {
      grpc.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen for workers on " + config.grpcHost() + ":" + config.grpcPort() + ": " + e.getMessage(), e);
    }
    webhooks.start();
    // Webhooks registered before a restart follow their tasks again.
    deliveries.resume();
    // Event webhooks continue from the cursor each had stored.
    subscriptions.start();
    http.start();
    if (blobCollector != null) {
      blobSweeper.scheduleWithFixedDelay(this::sweepBlobs, BLOB_SWEEP.toMillis(), BLOB_SWEEP.toMillis(), TimeUnit.MILLISECONDS);
    }
    log.info(
        "event=orchestrator_started grpc={}:{} http={}:{} store=\"{}\"",
        config.grpcHost(), grpcPort(), config.httpHost(), httpPort(), store.describe());
    return this;
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  /** Where workers reach the HTTP API (the data service): the configured public URL, or the bound address. */
  public String publicUrl() {
    if (config.publicUrl() != null) {
      return config.publicUrl();
    }
    String host = config.httpHost().contains(":") ? "[" + config.httpHost() + "]" : config.httpHost();
    return "http://" + host + ":" + httpPort();
  }

  /**
   * Bytes of workers' outputs validators read from the data service since start, sampled or (to
   * recompute) whole: the egress of checking outputs held by reference. Inputs read to validate
   * are not counted.
   */
  public long validationBytesRead() {
    return storedTensors.outputBytesRead();
  }

  public int httpPort() {
    return http.port();
  }

  /** The job API the HTTP layer uses; for embedding (the demo, tests, benchmarks). */
  public JobService jobs() {
    return core;
  }

  /** Dispatch-to-result times (ns) of the latest attempts: the protocol round trip. */
  public java.util.concurrent.CompletableFuture<long[]> recentRoundTrips() {
    return core.recentRoundTrips();
  }

  public OrchestratorConfig config() {
    return config;
  }

  public Clock clock() {
    return clock;
  }

  /** Stops taking work and closes the ports; queued state changes are still committed. */
  public void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    core.stop();
    http.stop();
    eventStream.close();
    subscriptions.close();
    grpc.shutdownNow();
    keys.flushLastUsed();
    webhooks.close();
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    boolean done = grpc.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    committer.close();
    store.close();
    clients.close();
    queries.shutdown();
    blobSweeper.shutdownNow();
    validations.shutdownNow();
    clock.close();
    if (blobTemp != null) {
      try (var tree = java.nio.file.Files.walk(blobTemp)) {
        for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) tree.sorted(java.util.Comparator.reverseOrder())::iterator) {
          java.nio.file.Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        log.warn("event=blob_cleanup_failed dir={} reason=\"{}\"", blobTemp, e.getMessage());
      }
    }
    return done;
  }

  @Override
  public void close() {
    shutdown();
    try {
      awaitTermination(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
