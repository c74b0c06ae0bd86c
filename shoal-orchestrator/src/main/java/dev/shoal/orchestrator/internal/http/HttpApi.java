package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.events.EventFeed;
import dev.shoal.orchestrator.internal.core.Actor;
import dev.shoal.orchestrator.internal.principals.Action;
import dev.shoal.orchestrator.internal.principals.Authority;
import dev.shoal.orchestrator.internal.principals.Caller;
import dev.shoal.orchestrator.internal.principals.Directory;
import dev.shoal.orchestrator.internal.core.ChangeRefused;
import dev.shoal.orchestrator.internal.core.Journal;
import dev.shoal.orchestrator.internal.services.Services;
import dev.shoal.orchestrator.internal.credits.Credits;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.data.BlobUrls;
import dev.shoal.protocol.PeerIds;
import dev.shoal.orchestrator.internal.webhooks.EventSubscriptions;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.auth.ApiKeys;
import dev.shoal.orchestrator.internal.auth.Authorizer;
import dev.shoal.orchestrator.internal.auth.RateLimiter;
import dev.shoal.orchestrator.internal.auth.Scope;
import dev.shoal.orchestrator.internal.store.MemoryClientStore;
import dev.shoal.orchestrator.internal.time.SystemClock;
import dev.shoal.orchestrator.internal.acceptance.Programs;
import dev.shoal.orchestrator.internal.acceptance.Check;
import dev.shoal.orchestrator.internal.core.AttemptStatus;
import dev.shoal.orchestrator.internal.core.JobOutcome;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.JobStatus;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.WorkerStatus;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import dev.shoal.orchestrator.internal.jobs.TensorJson;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.reputation.Standing;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.LedgerEntry;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.v1.Accelerator;
import dev.shoal.protocol.v1.NodeDescriptor;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.TreeSet;
import java.util.Set;
import java.util.Iterator;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client REST API under {@code /v1}, on Javalin. Handlers never block on the core: each asks
 * the {@link JobService} for a future and hands it to Javalin ({@code ctx.future}); rendering runs
 * on a virtual thread, never on the core's thread. Every error, Javalin's own 404/405 and
 * malformed bodies included, is the envelope {@code {"error":{"code","message"}}} with the status
 * from {@link ApiException.Code}. Thread-safe; lifecycle {@link #start()} then {@link #stop()}.
 */
public final class HttpApi {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  /** Job and task ids in paths: the same rule the planner applies to task ids. */
  private static final Pattern ID = JobPlanner.TASK_ID;
  /** How long a request waits for the core before answering 503. */
  static final long CORE_TIMEOUT_SECONDS = 30;
  /** Requests handled at once (answers awaiting their tasks hold none); more wait in Jetty's queue. */
  private static final int MAX_REQUEST_THREADS = 1024;
  private static final String JSON_TYPE = "application/json";
  /** The header a request names the principal it acts for with (a delegate's requests). */
  static final String ON_BEHALF_OF = "Shoal-On-Behalf-Of";
  private static final String CALLER = "shoal.caller";
  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 1000;

  private final JobService jobs;
  private final JobPlanner planner;
  private final ResultAssembler assembler;
  private final String host;
  private final int requestedPort;
  private final long maxBodyBytes;
  private final ObjectMapper mapper;
  private final JsonFactory json;
  private final ExecutorService renderers = Executors.newVirtualThreadPerTaskExecutor();
  private final TaskRoutes tasks;
  private final OpenAiRoutes openAi;
  /** Deadlines of the answers clients wait on (task run and stream, the OpenAI routes). */
  private final AnswerDeadlines deadlines = new AnswerDeadlines();
  private final TaskWebhooks webhooks;
  private final Authorizer authorizer;
  private final KeyRoutes keyRoutes;
  private final Authority authority;
  private final PrincipalRoutes principalRoutes;
  private final FleetRoutes fleetRoutes;
  private final ServiceRoutes serviceRoutes;
  private final Services registry;
  private final CreditRoutes creditRoutes;
  private final BlobRoutes blobRoutes;
  private final EventRoutes events;
  private final SubscriptionRoutes subscriptions;
  private final Javalin app;

  /**
   * Who may call (API keys, their scopes and rate limits) and where task webhooks go. {@link
   * #open()} lets everyone in and delivers no webhooks: for tests and embedded use on loopback.
   */
  public record Access(
      ApiKeys keys,
      Authorizer authorizer,
      TaskWebhooks webhooks,
      Directory directory,
      Authority authority,
      Services services,
      Credits credits) {

    /** No principals and no services: every key (or nobody, while there are none) acts for nobody. */
    public Access(ApiKeys keys, Authorizer authorizer, TaskWebhooks webhooks) {
      this(keys, authorizer, webhooks, Directory.empty(new SystemClock()));
    }

    private Access(ApiKeys keys, Authorizer authorizer, TaskWebhooks webhooks, Directory directory) {
      this(
          keys, authorizer, webhooks, directory, new Authority(directory, new SystemClock()),
          new Services(new MemoryStore(), Journal.REFUSING, new SystemClock()),
          new Credits(new MemoryStore(), Journal.REFUSING, new SystemClock(), w -> java.util.Optional.empty()));
    }

    public static Access open() {
      ApiKeys keys = new ApiKeys(new MemoryClientStore(), new SystemClock(), Runnable::run);
      return new Access(keys, new Authorizer(keys, new RateLimiter(new SystemClock())), TaskWebhooks.NONE);
    }
  }

  /**
   * The event log as the API serves it: the feed {@code GET /v1/events} reads, and the webhooks
   * subscribed to it ({@code /v1/webhooks}; null where none are delivered).
   */
  public record Events(EventFeed feed, EventSubscriptions subscriptions) {

    /** An empty log and no event webhooks: for tests and embedded use. */
    public static Events none() {
      return new Events(new EventFeed(new MemoryStore(), 1), null);
    }
  }

  public HttpApi(
      JobService jobs, JobPlanner planner, ResultAssembler assembler, String host, int port, long maxBodyBytes) {
    this(jobs, planner, assembler, host, port, maxBodyBytes, Access.open(), Events.none());
  }

  public HttpApi(
      JobService jobs,
      JobPlanner planner,
      ResultAssembler assembler,
      String host,
      int port,
      long maxBodyBytes,
      Access access,
      Events events) {
    this(jobs, planner, assembler, host, port, maxBodyBytes, access, events, null, null);
  }

  /**
   * {@code blobs} is the data service's store ({@code /v1/blobs}), or null for none; {@code urls}
   * signs the URLs that open blobs without a key.
   */
  public HttpApi(
      JobService jobs,
      JobPlanner planner,
      ResultAssembler assembler,
      String host,
      int port,
      long maxBodyBytes,
      Access access,
      Events events,
      BlobStore blobs,
      BlobUrls urls) {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
    }
    this.jobs = jobs;
    this.planner = planner;
    this.assembler = assembler;
    this.host = host;
    this.requestedPort = port;
    this.maxBodyBytes = maxBodyBytes;
    int maxLength = (int) Math.min(Integer.MAX_VALUE, maxBodyBytes);
    // Base64 tensors are long strings: Jackson's default cap (20 M characters) would refuse them.
    this.json =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxStringLength(maxLength).maxDocumentLength(maxBodyBytes).build())
            .build();
    this.mapper =
        new ObjectMapper(json)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    this.webhooks = access.webhooks();
    this.authorizer = access.authorizer();
    this.keyRoutes = new KeyRoutes(this, access.keys(), access.directory());
    this.authority = access.authority();
    this.principalRoutes = new PrincipalRoutes(this, access.directory());
    this.fleetRoutes = new FleetRoutes(this, access.directory());
    this.serviceRoutes = new ServiceRoutes(this, jobs, access.directory(), access.services());
    this.registry = access.services();
    this.creditRoutes = new CreditRoutes(this, access.directory(), access.credits());
    this.blobRoutes =
        new BlobRoutes(this, blobs, urls == null ? BlobUrls.open(null) : urls, System::currentTimeMillis, maxBodyBytes);
    TaskRequests requests = new TaskRequests(planner, id -> access.services().binding(id));
    this.tasks = new TaskRoutes(this, jobs, requests, deadlines);
    this.openAi = new OpenAiRoutes(this, jobs, requests, deadlines);
    this.events = new EventRoutes(events.feed());
    this.subscriptions = new SubscriptionRoutes(this, events.subscriptions());
    this.app = Javalin.create(this::configure);
  }

  /** Opens the port. */
  public HttpApi start() {
    app.start();
    log.info("event=http_started host={} port={}", host, port());
    return this;
  }

  /** The bound port (the real one when constructed with port 0). */
  public int port() {
    return app.port();
  }

  /** Closes the port; requests in flight are abandoned. */
  public void stop() {
    events.close();
    deadlines.close();
    app.stop();
    renderers.shutdown();
  }

  // ---------------------------------------------------------------- wiring

  private void configure(JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.startup.showOldJavalinVersionWarning = false;
    config.jetty.host = host;
    config.jetty.port = requestedPort;
    config.http.maxRequestSize = maxBodyBytes;
    config.http.prefer405over404 = true;
    config.jetty.threadPool = requestThreads();

    config.routes.before(this::authorize);
    config.routes.get("/v1/health", ctx -> reply(ctx, 200, mapper.createObjectNode().put("status", "ok")));
    config.routes.post("/v1/keys", keyRoutes::create);
    config.routes.get("/v1/keys", keyRoutes::list);
    config.routes.delete("/v1/keys/{id}", keyRoutes::revoke);
    config.routes.get("/v1/workers", this::listWorkers);
    config.routes.post("/v1/jobs", this::submit);
    config.routes.get("/v1/jobs", this::recentJobs);
    config.routes.get("/v1/jobs/{id}", this::job);
    config.routes.get("/v1/jobs/{id}/result", this::result);
    config.routes.post("/v1/jobs/{id}/cancel", this::cancel);
    config.routes.get("/v1/models", openAi::models);
    config.routes.post("/v1/chat/completions", openAi::chat);
    config.routes.post("/v1/completions", openAi::completions);
    config.routes.post("/v1/tasks/run", tasks::run);
    config.routes.post("/v1/tasks/stream", tasks::stream);
    config.routes.post("/v1/tasks", tasks::submit);
    config.routes.get("/v1/tasks/{id}/result", tasks::result);
    config.routes.get("/v1/tasks/{id}/artifacts.zip", tasks::artifactsZip);
    config.routes.get("/v1/tasks/{id}/artifacts/<name>", tasks::artifact);
    config.routes.get("/v1/tasks/{id}", this::task);
    config.routes.post("/v1/tasks/{id}/cancel", this::cancelTask);
    config.routes.get("/v1/tasks/{id}/results", this::keptResults);
    config.routes.post("/v1/tasks/{id}/confirm", this::confirm);
    config.routes.get("/v1/peers/{peer}", this::peer);
    config.routes.get("/v1/peers/{peer}/ledger", ctx -> ledger(ctx, peerParam(ctx)));
    config.routes.post("/v1/peers/{peer}/ratings", this::rate);
    config.routes.post("/v1/peers/{peer}/quarantine/lift", this::lift);
    config.routes.put("/v1/trusted/{peer}", ctx -> trust(ctx, true));
    config.routes.delete("/v1/trusted/{peer}", ctx -> trust(ctx, false));
    config.routes.get("/v1/ledger", ctx -> ledger(ctx, null));
    config.routes.get("/v1/ledger/verify", this::verifyLedger);
    config.routes.get("/v1/events", events::events);
    config.routes.post("/v1/principals", principalRoutes::register);
    config.routes.get("/v1/principals", principalRoutes::list);
    config.routes.get("/v1/principals/{id}", principalRoutes::get);
    config.routes.post("/v1/principals/{id}/delegates", principalRoutes::grant);
    config.routes.get("/v1/principals/{id}/delegates", principalRoutes::delegates);
    config.routes.get("/v1/principals/{id}/delegates/{delegate}", principalRoutes::check);
    config.routes.delete("/v1/principals/{id}/delegates/{delegate}", principalRoutes::revoke);
    config.routes.post("/v1/fleet/pairings", fleetRoutes::pair);
    config.routes.get("/v1/fleet/pairings", fleetRoutes::pairings);
    config.routes.delete("/v1/fleet/pairings/{worker}", fleetRoutes::unpair);
    config.routes.post("/v1/services", serviceRoutes::create);
    config.routes.get("/v1/services", serviceRoutes::list);
    config.routes.get("/v1/services/{id}", serviceRoutes::get);
    config.routes.patch("/v1/services/{id}", serviceRoutes::update);
    config.routes.post("/v1/services/{id}/retire", serviceRoutes::retire);
    config.routes.post("/v1/services/{id}/workers", serviceRoutes::register);
    config.routes.get("/v1/services/{id}/workers", serviceRoutes::workers);
    config.routes.delete("/v1/services/{id}/workers/{worker}", serviceRoutes::unregister);
    config.routes.post("/v1/tasks/{id}/assign", serviceRoutes::assign);
    config.routes.post("/v1/credits/grants", creditRoutes::grant);
    config.routes.get("/v1/credits/entries", creditRoutes::entries);
    config.routes.get("/v1/credits/check", creditRoutes::check);
    config.routes.get("/v1/credits/{principal}", creditRoutes::balance);
    config.routes.get("/v1/data", this::dataStats);
    config.routes.post("/v1/blobs/gc", this::collectBlobs);
    config.routes.post("/v1/blobs", blobRoutes::upload);
    config.routes.get("/v1/blobs/{sha256}", blobRoutes::download);
    config.routes.head("/v1/blobs/{sha256}", blobRoutes::head);
    config.routes.post("/v1/blobs/{sha256}/url", blobRoutes::url);
    config.routes.post("/v1/webhooks", subscriptions::create);
    config.routes.get("/v1/webhooks", subscriptions::list);
    config.routes.get("/v1/webhooks/{id}", subscriptions::get);
    config.routes.delete("/v1/webhooks/{id}", subscriptions::delete);

    config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
    config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e.getStatus(), ctx)));
    // JobService.Unavailable thrown synchronously still means 503; anything unknown is logged, then 500.
    config.routes.exception(Exception.class, (e, ctx) -> error(ctx, translate(e, ctx)));
    // Anything that still ends as a bare 404/405 (no handler ran) gets the envelope too.
    config.routes.error(404, ctx -> envelopeIfEmpty(ctx, fromJavalin(404, ctx)));
    config.routes.error(405, ctx -> envelopeIfEmpty(ctx, fromJavalin(405, ctx)));
  }

  /**
   * Jetty's threads: platform ones, so a request's handler runs on the selector thread that read
   * it (Jetty hands selection to a reserved thread instead). On virtual threads every request
   * crosses to a new thread and every read to the poller first: two wake-ups more on each
   * request's path, about a tenth of a millisecond on the gateway (BENCHMARKS.md). Nothing waits
   * on a task on these threads (a waiting client's {@link Answer} is written by the core's
   * thread), so they block only on the store and on request bodies; the bound queues requests
   * beyond it rather than failing them.
   */
  private static org.eclipse.jetty.util.thread.QueuedThreadPool requestThreads() {
    var pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(MAX_REQUEST_THREADS, 8, 60_000);
    pool.setName("http");
    return pool;
  }

  private volatile java.util.function.LongSupplier validationBytes = () -> 0;

  /**
   * Where {@code GET /v1/data} learns how many bytes of workers' outputs validators read from the
   * data service ({@code validation_bytes_read}; inputs are not counted).
   */
  public void countValidationBytes(java.util.function.LongSupplier bytes) {
    this.validationBytes = bytes;
  }

  private volatile java.util.function.Supplier<BlobStore.Collected> collector;

  /** Where {@code POST /v1/blobs/gc} runs a collection. */
  public void collectBlobsWith(java.util.function.Supplier<BlobStore.Collected> collector) {
    this.collector = collector;
  }

  /** {@code POST /v1/blobs/gc} (admin): deletes unreferenced blobs past their grace now, not at the next sweep. */
  private void collectBlobs(Context ctx) {
    if (collector == null) {
      throw ApiException.unavailable("this orchestrator does not collect blobs (results are kept forever)", 0);
    }
    BlobStore.Collected c = collector.get();
    replyJson(
        ctx, 200,
        mapper.createObjectNode().put("deleted", c.deleted()).put("bytes_freed", c.bytesFreed()).put("kept", c.kept()));
  }

  /** {@code GET /v1/data}: what the data service moved since start (for operators and the locality test). */
  private void dataStats(Context ctx) {
    replyJson(
        ctx, 200,
        mapper.createObjectNode()
            .put("bytes_served", blobRoutes.bytesServed())
            .put("bytes_uploaded", blobRoutes.bytesUploaded())
            .put("validation_bytes_read", validationBytes.getAsLong()));
  }

  // ---------------------------------------------------------------- access

  /** Every route but the health check needs a key once one exists, with the route's scope. */
  private void authorize(Context ctx) {
    String path = ctx.path();
    if (path.equals("/v1/health")) {
      return;
    }
    if (path.startsWith("/v1/blobs/") && BlobRoutes.signed(ctx)
        && (ctx.method().name().equals("GET") || ctx.method().name().equals("HEAD"))) {
      // A signed URL is its own credential: the route checks its signature, range and expiry.
      return;
    }
    if (path.equals("/v1/blobs") && BlobRoutes.signed(ctx) && ctx.method().name().equals("POST")) {
      // A worker's upload URL: signed for one attempt, checked by the route.
      return;
    }
    switch (authorizer.authorize(ctx.header("Authorization"), scopeOf(ctx.method().name(), path))) {
      case Authorizer.Decision.Allowed a -> ctx.attribute(CALLER, caller(a, ctx.header(ON_BEHALF_OF)));
      case Authorizer.Decision.Denied d -> {
        ApiException.Code code =
            switch (d.status()) {
              case 401 -> ApiException.Code.UNAUTHENTICATED;
              case 403 -> ApiException.Code.PERMISSION_DENIED;
              case 429 -> ApiException.Code.RATE_LIMITED;
              default -> ApiException.Code.INTERNAL;
            };
        throw new ApiException(code, d.message(), d.retryAfterSeconds());
      }
    }
  }

  /** API.md "Authentication": admin for keys, trust and quarantine; read for GETs; submit otherwise. */
  /** Who sent the request, as {@link #authorize} found it. */
  Caller caller(Context ctx) {
    Caller c = ctx.attribute(CALLER);
    return c == null ? Caller.ANONYMOUS : c;
  }

  private static Caller caller(Authorizer.Decision.Allowed allowed, String onBehalfOf) {
    if (onBehalfOf != null && !PeerIds.isPrincipalId(onBehalfOf)) {
      throw ApiException.invalidArgument(ON_BEHALF_OF + " must be a principal id (p…), got '" + printable(onBehalfOf) + "'");
    }
    return allowed.principal()
        .map(p -> new Caller(p.keyId(), p.principalId(), onBehalfOf))
        .orElseGet(() -> new Caller("", "", onBehalfOf));
  }

  /**
   * Refuses with {@code 403 permission_denied} unless the caller may do {@code action} to what
   * belongs to {@code owner} (the authority table; "" for nobody's).
   */
  void require(Caller caller, Action action, String owner) {
    authority.decide(caller, action, owner).refusal().ifPresent(why -> {
      throw new ApiException(ApiException.Code.PERMISSION_DENIED, why);
    });
  }

  /** The plan, published for whom the caller acts for, once the authority table allows it. */
  JobPlan publish(Context ctx, JobPlan plan) {
    Caller caller = caller(ctx);
    require(caller, Action.PUBLISH, caller.effective());
    if (plan.payment() > 0 && caller.effective().isEmpty()) {
      throw new ApiException(
          ApiException.Code.PERMISSION_DENIED, "this task pays " + plan.payment() + " credits: publish it as a client, whose balance pays");
    }
    return plan.by(caller.actor());
  }

  /**
   * Runs {@code then} once the caller may do {@code action} to job {@code jobId}; an unknown job
   * goes straight to {@code then}, which answers it as not found.
   */
  <T> CompletableFuture<T> onJob(Context ctx, String jobId, Action action, Function<Actor, CompletableFuture<T>> then) {
    Caller caller = caller(ctx);
    return jobs.owner(jobId).thenCompose(owner -> {
      owner.ifPresent(o -> require(caller, action, o));
      return then.apply(caller.actor());
    });
  }

  static Scope scopeOf(String method, String path) {
    if ((path.equals("/v1/principals") || path.equals("/v1/credits/grants")) && method.equals("POST")) {
      return Scope.ADMIN;
    }
    if (path.startsWith("/v1/keys") || path.startsWith("/v1/trusted/") || path.endsWith("/quarantine/lift")
        || path.equals("/v1/blobs/gc")) {
      return Scope.ADMIN;
    }
    return method.equals("GET") || method.equals("HEAD") ? Scope.READ : Scope.SUBMIT;
  }

  // ---------------------------------------------------------------- routes

  private void submit(Context ctx) {
    JsonNode body = readJson(ctx);
    JobPlan plan = planner.plan(body);
    int tasks = plan.tasks().size();
    async(
        ctx,
        jobs.submit(publish(ctx, plan)),
        id -> {
          ctx.header("Location", "/v1/jobs/" + id);
          log.debug("event=job_submitted job={} kind={} tasks={}", id, plan.kind(), tasks);
          return new Reply(
              202, mapper.createObjectNode().put("id", id).put("state", JobState.RUNNING.wireName()).put("tasks", tasks));
        });
  }

  private void recentJobs(Context ctx) {
    int limit = limit(ctx.queryParam("limit"));
    async(
        ctx,
        jobs.recentJobs(limit),
        list -> {
          ObjectNode out = mapper.createObjectNode();
          ArrayNode array = out.putArray("jobs");
          list.forEach(j -> array.add(jobJson(j)));
          return new Reply(200, out);
        });
  }

  private void job(Context ctx) {
    String id = id(ctx.pathParam("id"), "job id");
    async(ctx, jobs.job(id), found -> new Reply(200, jobJson(found.orElseThrow(() -> noJob(id)))));
  }

  private void result(Context ctx) {
    String id = id(ctx.pathParam("id"), "job id");
    TensorJson.Format format = TensorJson.Format.fromQuery(ctx.queryParam("format"));
    boolean partial = flag(ctx, "partial");
    async(
        ctx,
        jobs.outcome(id),
        found -> {
          JobOutcome outcome = found.orElseThrow(() -> noJob(id));
          JobStatus s = outcome.status();
          if (partial) {
            return new Reply(200, assembler.renderPartial(outcome, format));
          }
          if (s.state() == JobState.RUNNING) {
            int done = 0;
            for (Map.Entry<TaskState, Integer> e : s.counts().entrySet()) {
              done += e.getKey().isTerminal() ? e.getValue() : 0;
            }
            throw ApiException.notFinished("job " + id + " is still running (" + done + " of " + s.total() + " tasks finished; ?partial=true shows what has)");
          }
          if (s.state() != JobState.SUCCEEDED) {
            throw ApiException.conflict(
                "job " + id + " ended " + s.state().wireName() + (s.error() == null ? "" : ": " + s.error()));
          }
          return new Reply(200, assembler.render(outcome, format));
        });
  }

  private void cancel(Context ctx) {
    String id = id(ctx.pathParam("id"), "job id");
    async(
        ctx,
        onJob(ctx, id, Action.CANCEL, by -> jobs.cancel(id, by)),
        outcome ->
            switch (outcome) {
              case CANCELLED ->
                  new Reply(200, mapper.createObjectNode().put("id", id).put("state", JobState.CANCELLED.wireName()));
              case NOT_FOUND -> throw noJob(id);
              case ALREADY_FINISHED -> throw ApiException.conflict("job " + id + " has already finished");
            });
  }

  /** A task named on the wire as {@code {job_id}.{task_id}}; job ids never contain '.'. */
  record TaskRef(String full, String jobId, String taskId) {}

  TaskRef taskRef(Context ctx) {
    String full = ctx.pathParam("id");
    int dot = full.indexOf('.');
    if (dot < 0) {
      throw ApiException.invalidArgument("task id must be {job_id}.{task_id}, got '" + printable(full) + "'");
    }
    return new TaskRef(full, id(full.substring(0, dot), "job id"), id(full.substring(dot + 1), "task id"));
  }

  private void cancelTask(Context ctx) {
    TaskRef ref = taskRef(ctx);
    String full = ref.full();
    String jobId = ref.jobId();
    String taskId = ref.taskId();
    async(
        ctx,
        onJob(ctx, jobId, Action.CANCEL, by -> jobs.cancelTask(jobId, taskId, by)),
        outcome ->
            switch (outcome) {
              case CANCELLED -> new Reply(200, mapper.createObjectNode().put("id", full).put("state", "cancelled"));
              case NOT_FOUND -> throw ApiException.notFound("no task " + taskId + " in job " + jobId);
              case ALREADY_FINISHED -> throw ApiException.conflict("task " + full + " has already finished");
            });
  }

  private void task(Context ctx) {
    TaskRef ref = taskRef(ctx);
    String full = ref.full();
    String jobId = ref.jobId();
    String taskId = ref.taskId();
    TensorJson.Format format = TensorJson.Format.fromQuery(ctx.queryParam("format"));
    async(
        ctx,
        jobs.task(jobId, taskId),
        found -> {
          TaskStatus t = found.orElseThrow(() -> ApiException.notFound("no task " + taskId + " in job " + jobId));
          return new Reply(200, render(g -> writeTask(g, full, t, format)));
        });
  }

  /** The valid results a task keeps for a manual confirmation. */
  private void keptResults(Context ctx) {
    TaskRef ref = taskRef(ctx);
    TensorJson.Format format = TensorJson.Format.fromQuery(ctx.queryParam("format"));
    async(
        ctx,
        jobs.task(ref.jobId(), ref.taskId()),
        found -> {
          TaskStatus t =
              found.orElseThrow(() -> ApiException.notFound("no task " + ref.taskId() + " in job " + ref.jobId()));
          return new Reply(
              200,
              render(
                  g -> {
                    g.writeStartObject();
                    g.writeStringField("id", ref.full());
                    g.writeStringField("state", t.state().wireName());
                    g.writeStringField("acceptance_policy", t.policy());
                    writeKeptResults(g, t, format);
                    g.writeEndObject();
                  }));
        });
  }

  /** Under manual acceptance: {@code {"attempt": n}} makes that kept result the task's. */
  private void confirm(Context ctx) {
    TaskRef ref = taskRef(ctx);
    JsonNode body = readJson(ctx);
    if (!body.isObject() || body.size() != 1 || !body.has("attempt") || !body.get("attempt").canConvertToInt()
        || body.get("attempt").asInt() < 1) {
      throw ApiException.invalidArgument("body must be {\"attempt\": n} with n >= 1, the attempt whose result to confirm");
    }
    int attempt = body.get("attempt").asInt();
    async(
        ctx,
        onJob(ctx, ref.jobId(), Action.CONFIRM, by -> jobs.confirm(ref.jobId(), ref.taskId(), attempt, by)),
        outcome ->
            switch (outcome) {
              case CONFIRMED ->
                  new Reply(
                      200,
                      mapper.createObjectNode().put("id", ref.full()).put("state", "succeeded").put("attempt", attempt));
              case NOT_FOUND -> throw ApiException.notFound("no task " + ref.taskId() + " in job " + ref.jobId());
              case NOT_AWAITING ->
                  throw ApiException.conflict("task " + ref.full() + " is not awaiting a confirmation");
              case NO_SUCH_RESULT ->
                  throw ApiException.invalidArgument("task " + ref.full() + " keeps no valid result of attempt " + attempt);
            });
  }

  /** {@code GET /v1/workers?operator=&model=&service=&available=&include_offline=} */
  private void listWorkers(Context ctx) {
    String operator = ctx.queryParam("operator");
    String model = ctx.queryParam("model");
    String service = ctx.queryParam("service");
    boolean available = flag(ctx, "available");
    boolean includeOffline = flag(ctx, "include_offline");
    async(
        ctx,
        jobs.workers(includeOffline),
        all ->
            workers(
                all.stream()
                    .filter(w -> operator == null || w.descriptor().getOperatorsList().contains(operator))
                    .filter(w -> model == null || containsIgnoringCase(w.descriptor().getModelsList(), model))
                    // A service by id: the workers registered to it, by themselves or their owner;
                    // anything else: a service name the worker advertises (matching's tier 2).
                    .filter(w -> service == null
                        || registry.isRegistered(service, w.descriptor().getPeerId())
                        || containsIgnoringCase(w.descriptor().getServicesList(), service))
                    .filter(w -> !available || w.available())
                    .toList()));
  }

  private static boolean flag(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true") || v.isEmpty()) {
      return true;
    }
    throw ApiException.invalidArgument(name + " must be true or false, got '" + printable(v) + "'");
  }

  private static boolean containsIgnoringCase(List<String> values, String wanted) {
    for (String v : values) {
      if (v.equalsIgnoreCase(wanted)) {
        return true;
      }
    }
    return false;
  }

  private Reply workers(List<WorkerStatus> workers) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode array = out.putArray("workers");
    for (WorkerStatus w : workers) {
      NodeDescriptor d = w.descriptor();
      ObjectNode o = array.addObject();
      o.put("peer_id", d.getPeerId());
      o.put("name", d.getName());
      o.put("owner", d.getOwner());
      o.put("online", w.online());
      o.putObject("load").put("current", w.reserved()).put("max", w.capacity());
      o.put("free_slots", Math.max(0, w.capacity() - w.reserved()));
      ObjectNode hardware = o.putObject("hardware");
      hardware.put("arch", d.getHardware().getArch());
      hardware.put("os", d.getHardware().getOs());
      hardware.put("cores", d.getHardware().getCores());
      hardware.put("memory_bytes", d.getHardware().getMemoryBytes());
      ArrayNode accelerators = hardware.putArray("accelerators");
      for (Accelerator a : d.getHardware().getAcceleratorsList()) {
        accelerators.addObject().put("kind", a.getKind()).put("model", a.getModel()).put("memory_bytes", a.getMemoryBytes());
      }
      d.getOperatorsList().forEach(o.putArray("operators")::add);
      d.getModelsList().forEach(o.putArray("models")::add);
      d.getServicesList().forEach(o.putArray("services")::add);
      o.put("cpu_load", w.load().getCpuLoad());
      o.put("draining", w.draining());
      o.put("connected_at", w.connectedAt());
      o.put("last_seen", w.lastSeen());
      o.put("protocol_version", w.protocolVersion());
      o.set("reputation", standingJson(w.standing(), w.trusted()));
    }
    return new Reply(200, out);
  }

  // ---------------------------------------------------------------- reputation

  private String peerParam(Context ctx) {
    String peer = ctx.pathParam("peer");
    if (!PeerIds.isWellFormed(peer)) {
      throw ApiException.invalidArgument(
          "peer must be a worker's peer id (w + 32 base32 characters), got '" + printable(peer) + "'");
    }
    return peer;
  }

  private void peer(Context ctx) {
    String peer = peerParam(ctx);
    async(ctx, jobs.standing(peer), p -> new Reply(200, standingJson(p.standing(), p.trusted()).put("peer_id", peer)));
  }

  /** Score, counts per outcome, quarantine and trust: what a client needs to judge a worker. */
  private ObjectNode standingJson(Standing s, boolean trusted) {
    ObjectNode o = mapper.createObjectNode();
    o.put("score", Math.round(s.score() * 1000) / 1000.0);
    o.put("trusted", trusted);
    o.put("quarantined", s.quarantined());
    if (s.quarantined()) {
      o.putObject("quarantine")
          .put("reason", s.quarantineReason())
          .put("since", s.quarantinedAt())
          .put("until", s.quarantinedUntil());
    } else {
      o.putNull("quarantine");
    }
    ObjectNode counts = o.putObject("counts");
    s.counts().forEach(counts::put);
    return o;
  }

  private void ledger(Context ctx, String peer) {
    long after = nonNegative(ctx.queryParam("after"), "after");
    int limit = limit(ctx.queryParam("limit"));
    async(
        ctx,
        jobs.ledger(peer, after, limit),
        entries -> {
          ObjectNode out = mapper.createObjectNode();
          ArrayNode array = out.putArray("entries");
          entries.forEach(e -> array.add(entryJson(e)));
          if (entries.size() == limit) {
            out.put("next_after", entries.getLast().seq());
          } else {
            out.putNull("next_after");
          }
          return new Reply(200, out);
        });
  }

  private ObjectNode entryJson(LedgerEntry e) {
    HexFormat hex = HexFormat.of();
    return mapper.createObjectNode()
        .put("seq", e.seq())
        .put("prev_hash", hex.formatHex(e.prevHash()))
        .put("hash", hex.formatHex(e.hash()))
        .put("at", e.at())
        .put("author", hex.formatHex(e.author()))
        .put("subject", e.subject())
        .put("kind", e.kind())
        .put("score", e.score())
        .put("comment", e.comment())
        .put("signature", hex.formatHex(e.signature()));
  }

  private void verifyLedger(Context ctx) {
    async(
        ctx,
        jobs.verifyLedger(),
        c ->
            new Reply(
                200,
                mapper.createObjectNode()
                    .put("ok", c.ok())
                    .put("entries", c.entries())
                    .put("head_hash", HexFormat.of().formatHex(c.headHash()))
                    .put("first_bad_seq", c.ok() ? null : c.firstBadSeq())
                    .put("reason", c.ok() ? null : c.reason())));
  }

  /**
   * A client's signed rating: {@code {"author": hex key, "score": -1..1, "comment": "...", "at":
   * ms, "signature": hex}}, signed over the ledger statement with kind {@code rating}.
   */
  private void rate(Context ctx) {
    String peer = peerParam(ctx);
    JsonNode body = readJson(ctx);
    checkFields(body, Set.of("author", "score", "comment", "at", "signature"), "a rating");
    LedgerEntry rating;
    try {
      HexFormat hex = HexFormat.of();
      rating =
          new LedgerEntry(
              0, LedgerEntry.GENESIS, body.path("at").asLong(0), hex.parseHex(text(body, "author")), peer, "rating",
              number(body, "score"), body.path("comment").asText(""), hex.parseHex(text(body, "signature")));
      rating.validate();
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument("rating: " + e.getMessage());
    }
    if (Math.abs(rating.score()) > 1) {
      throw ApiException.invalidArgument("rating: score must be in [-1, 1], got " + rating.score());
    }
    if (!rating.signatureValid()) {
      throw ApiException.invalidArgument("rating: the signature does not verify with the author's key");
    }
    async(ctx, jobs.rate(rating), placed -> new Reply(201, entryJson(placed)));
  }

  private void lift(Context ctx) {
    String peer = peerParam(ctx);
    async(
        ctx,
        jobs.liftQuarantine(peer),
        lifted -> {
          if (!lifted) {
            throw ApiException.conflict("worker " + peer + " is not quarantined");
          }
          return new Reply(200, mapper.createObjectNode().put("peer_id", peer).put("quarantined", false));
        });
  }

  private void trust(Context ctx, boolean trusted) {
    String peer = peerParam(ctx);
    async(
        ctx,
        jobs.setTrusted(peer, trusted),
        ok -> new Reply(200, mapper.createObjectNode().put("peer_id", peer).put("trusted", trusted)));
  }

  /** The request's body, which must be an object with no field outside {@code allowed}. */
  JsonNode readObject(Context ctx, Set<String> allowed) {
    JsonNode body = readJson(ctx);
    checkFields(body, allowed, "the request");
    return body;
  }

  /** An epoch-millisecond field, null when {@code at} is 0 (never). */
  static void putTime(ObjectNode o, String field, long at) {
    if (at == 0) {
      o.putNull(field);
    } else {
      o.put(field, at);
    }
  }

  private static void checkFields(JsonNode body, Set<String> allowed, String what) {
    if (!body.isObject()) {
      throw ApiException.invalidArgument(what + " must be a JSON object");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiException.invalidArgument(
            printable(name) + " is not a known field of " + what + "; expected " + new TreeSet<>(allowed));
      }
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return v.asText();
  }

  private static double number(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(field + " must be a number");
    }
    return v.asDouble();
  }

  static long nonNegative(String value, String name) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      long n = Long.parseLong(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw ApiException.invalidArgument(name + " must be a non-negative integer, got '" + printable(value) + "'");
  }

  // ---------------------------------------------------------------- JSON shapes

  private ObjectNode jobJson(JobStatus s) {
    ObjectNode o = mapper.createObjectNode();
    o.put("id", s.id());
    o.put("kind", s.kind());
    o.put("state", s.state().wireName());
    o.put("created_at", s.createdAt());
    if (s.finishedAt() > 0) {
      o.put("finished_at", s.finishedAt());
    } else {
      o.putNull("finished_at");
    }
    ObjectNode tasks = o.putObject("tasks");
    tasks.put("total", s.total());
    for (TaskState state : TaskState.values()) {
      tasks.put(state.wireName(), s.counts().getOrDefault(state, 0));
    }
    o.put("attempts", s.attempts());
    o.put("retries", s.retries());
    o.put("error", s.error());
    return o;
  }

  private static void writeTask(JsonGenerator g, String fullId, TaskStatus t, TensorJson.Format format)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("id", fullId);
    g.writeStringField("job_id", t.jobId());
    g.writeStringField("task_id", t.taskId());
    g.writeNumberField("index", t.index());
    g.writeStringField("operator", t.operator());
    g.writeStringField("state", t.state().wireName());
    g.writeNumberField("retries_used", t.retriesUsed());
    g.writeNumberField("max_attempts", t.maxAttempts());
    g.writeStringField("error", t.error());
    g.writeArrayFieldStart("attempts");
    for (AttemptStatus a : t.attempts()) {
      g.writeStartObject();
      g.writeNumberField("attempt", a.attempt());
      g.writeStringField("peer_id", a.peerId());
      g.writeStringField("state", a.state().wireName());
      g.writeNumberField("dispatched_at", a.dispatchedAt());
      if (a.endedAt() > 0) {
        g.writeNumberField("ended_at", a.endedAt());
      } else {
        g.writeNullField("ended_at");
      }
      g.writeStringField("detail", a.detail());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeStringField("acceptance_policy", t.policy());
    writeAcceptance(g, t.acceptance());
    if (!t.candidates().isEmpty()) {
      writeKeptResults(g, t, format);
    }
    if (t.state() == TaskState.SUCCEEDED && t.result() != null && Programs.isProgram(t.operator())) {
      g.writeStringField("result_url", "/v1/tasks/" + fullId + "/result");
    } else if (t.state() == TaskState.SUCCEEDED && t.result() != null) {
      g.writeArrayFieldStart("outputs");
      ResultAssembler.writeOutputs(g, t.result(), format);
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** The receipt of an accepted result: how it was chosen and every check on every result. */
  private static void writeAcceptance(JsonGenerator g, Acceptance a) throws IOException {
    if (a == null) {
      g.writeNullField("acceptance");
      return;
    }
    g.writeObjectFieldStart("acceptance");
    g.writeStringField("policy", a.policy());
    g.writeStringField("decided_by", a.decidedBy());
    g.writeNumberField("attempt", a.attempt());
    g.writeStringField("peer_id", a.peer());
    g.writeArrayFieldStart("agreeing");
    for (String peer : a.agreeing()) {
      g.writeString(peer);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("checks");
    for (Acceptance.Entry c : a.checks()) {
      g.writeStartObject();
      g.writeNumberField("attempt", c.attempt());
      g.writeStringField("peer_id", c.peer());
      writeCheckFields(g, c.method(), c.rounds(), c.samples(), c.passed(), c.detail());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeCheckFields(
      JsonGenerator g, String method, int rounds, int samples, boolean passed, String detail) throws IOException {
    g.writeStringField("method", method);
    if (rounds > 0) {
      g.writeNumberField("rounds", rounds);
    }
    if (samples > 0) {
      g.writeNumberField("samples", samples);
    }
    g.writeStringField("outcome", passed ? "passed" : "failed");
    if (!detail.isEmpty()) {
      g.writeStringField("detail", detail);
    }
  }

  /** Valid results kept and not yet chosen: what a client picks from under manual acceptance. */
  private static void writeKeptResults(JsonGenerator g, TaskStatus t, TensorJson.Format format) throws IOException {
    g.writeArrayFieldStart("results");
    for (TaskStatus.CandidateStatus c : t.candidates()) {
      g.writeStartObject();
      g.writeNumberField("attempt", c.attempt());
      g.writeStringField("peer_id", c.peerId());
      g.writeArrayFieldStart("checks");
      for (Check check : c.checks()) {
        g.writeStartObject();
        writeCheckFields(g, check.method(), check.rounds(), check.samples(), check.passed(), check.detail());
        g.writeEndObject();
      }
      g.writeEndArray();
      if (Programs.isProgram(t.operator())) {
        // A program's kept answer is read before it is confirmed: show its text.
        g.writeStringField(
            "text",
            Programs.isLlm(t.operator())
                ? TaskViews.answer(c.result()).path("text").asText()
                : c.result().getOutputs(0).getBlob().getData().toStringUtf8());
      } else {
        g.writeArrayFieldStart("outputs");
        ResultAssembler.writeOutputs(g, c.result(), format);
        g.writeEndArray();
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  // ---------------------------------------------------------------- plumbing

  /** A rendered response: status and body bytes. */
  private record Reply(int status, byte[] body) {
    private static final ObjectMapper SHARED = new ObjectMapper();

    Reply(int status, JsonNode node) {
      this(status, bytes(node));
    }

    private static byte[] bytes(JsonNode node) {
      try {
        return SHARED.writeValueAsBytes(node);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Streams JSON written by {@code body} into a byte array. */
  private interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] render(JsonBody body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = json.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Answers {@code ctx} when {@code work} completes: {@code render} runs on a virtual thread (never
   * the core's), and every failure becomes the error envelope.
   */
  private <T> void async(Context ctx, CompletableFuture<T> work, Function<T, Reply> render) {
    ctx.future(
        () ->
            work.orTimeout(CORE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .thenApplyAsync(render, renderers)
                .handle(
                    (reply, failure) -> {
                      if (failure == null) {
                        reply(ctx, reply.status(), reply.body());
                      } else {
                        error(ctx, translate(failure, ctx));
                      }
                      return null;
                    }));
  }

  /**
   * Waits on the core for a handler that runs on its own virtual thread (task routes that block
   * on the task anyway); failures become the API's errors.
   */
  <T> T await(CompletableFuture<T> f) throws InterruptedException {
    try {
      return f.get(CORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw translate(e.getCause());
    } catch (TimeoutException e) {
      throw ApiException.unavailable("the orchestrator did not answer in time", 1);
    }
  }

  ApiException translate(Throwable failure) {
    return translate(failure, null);
  }

  private ApiException translate(Throwable failure, Context ctx) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return switch (cause) {
      case ApiException api -> api;
      case JobService.Unavailable u -> ApiException.unavailable(u.getMessage(), 1);
      case JobService.Refused r -> ApiException.invalidArgument(r.getMessage());
      case dev.shoal.orchestrator.internal.core.TaskPayments.InsufficientCredits r ->
          new ApiException(ApiException.Code.INSUFFICIENT_CREDITS, r.getMessage());
      case ChangeRefused r ->
          switch (r.kind()) {
            case NOT_FOUND -> ApiException.notFound(r.getMessage());
            case CONFLICT -> ApiException.conflict(r.getMessage());
            case INVALID -> ApiException.invalidArgument(r.getMessage());
          };
      case JobService.Overloaded o ->
          new ApiException(ApiException.Code.MESH_OVERLOADED, o.getMessage(), Math.max(1, o.retryAfterSeconds()));
      case JobService.NoMatch n ->
          switch (n.kind()) {
            case WORKER -> new ApiException(ApiException.Code.WORKER_NOT_FOUND, n.getMessage());
            case MODEL -> new ApiException(ApiException.Code.MODEL_NOT_FOUND, n.getMessage());
            case OPERATOR -> ApiException.unavailable(n.getMessage(), 1);
          };
      case TimeoutException t -> ApiException.unavailable("the orchestrator did not answer in time", 1);
      case RejectedExecutionException r -> ApiException.unavailable("the orchestrator is shutting down", 1);
      default -> {
        log.error(
            "event=http_failure method={} path={} message=\"{}\"",
            ctx == null ? "" : ctx.method(), ctx == null ? "" : ctx.path(), cause.getMessage(), cause);
        yield ApiException.internal("the server failed to handle the request");
      }
    };
  }

  JsonNode readJson(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBodyBytes) {
      throw tooLarge();
    }
    byte[] body;
    try (InputStream in = ctx.req().getInputStream()) {
      // Read one byte past the limit: a chunked body has no length to check up front.
      body = in.readNBytes((int) Math.min(Integer.MAX_VALUE, maxBodyBytes + 1));
    } catch (IOException e) {
      throw ApiException.invalidArgument("the request body could not be read: " + e.getMessage());
    }
    if (body.length > maxBodyBytes) {
      throw tooLarge();
    }
    if (body.length == 0) {
      throw ApiException.invalidArgument("the request body is empty; expected a JSON object");
    }
    try {
      JsonNode node = mapper.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw ApiException.invalidArgument("the request body is empty; expected a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw ApiException.invalidArgument("the request body is not valid JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.invalidArgument("the request body could not be read: " + e.getMessage());
    }
  }

  private ApiException tooLarge() {
    return ApiException.payloadTooLarge("the request body exceeds " + maxBodyBytes + " bytes");
  }

  static int limit(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below with the accepted range.
    }
    throw ApiException.invalidArgument("limit must be an integer in 1.." + MAX_LIMIT + ", got '" + printable(value) + "'");
  }

  private static String id(String value, String what) {
    if (value == null || !ID.matcher(value).matches()) {
      throw ApiException.invalidArgument(
          what + " must be 1..64 characters of [A-Za-z0-9._:-] starting with a letter or digit, got '"
              + printable(value == null ? "" : value) + "'");
    }
    return value;
  }

  private static ApiException noJob(String id) {
    return ApiException.notFound("no job " + id);
  }

  private ApiException fromJavalin(int status, Context ctx) {
    String route = ctx.method() + " " + printable(ctx.path());
    return switch (status) {
      case 404 -> ApiException.notFound("no route " + route);
      case 405 -> new ApiException(ApiException.Code.METHOD_NOT_ALLOWED, "method not allowed: " + route);
      case 413 -> tooLarge();
      case 400 -> ApiException.invalidArgument("bad request: " + route);
      case 408, 503 -> ApiException.unavailable("the server could not complete the request in time", 1);
      default -> {
        if (status >= 500) {
          yield ApiException.internal("the server failed to handle the request");
        }
        yield ApiException.invalidArgument("the request was refused (HTTP " + status + ")");
      }
    };
  }

  private void envelopeIfEmpty(Context ctx, ApiException e) {
    String current = ctx.result();
    if (current == null || current.isEmpty() || !current.startsWith("{\"error\"")) {
      error(ctx, e);
    }
  }

  private void error(Context ctx, ApiException e) {
    ObjectNode envelope;
    if (OpenAiRoutes.isOpenAiPath(ctx.path())) {
      envelope = OpenAiRoutes.envelope(mapper, e);
    } else {
      envelope = mapper.createObjectNode();
      envelope.putObject("error").put("code", e.code().wireName()).put("message", e.getMessage());
    }
    if (e.retryAfterSeconds() > 0) {
      ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
    }
    // Server-side trouble is worth a warning; a client's mistake is only worth a debug line.
    boolean ours = e.code() == ApiException.Code.INTERNAL || e.code() == ApiException.Code.UNAVAILABLE;
    String line = "event=http_error method={} path={} code={} message=\"{}\"";
    if (ours) {
      log.warn(line, ctx.method(), ctx.path(), e.code().wireName(), e.getMessage());
    } else {
      log.debug(line, ctx.method(), ctx.path(), e.code().wireName(), e.getMessage());
    }
    reply(ctx, e.status(), new Reply(e.status(), envelope).body());
  }

  TaskWebhooks webhooks() {
    return webhooks;
  }

  void replyJson(Context ctx, int status, JsonNode body) {
    reply(ctx, status, body);
  }

  private static void reply(Context ctx, int status, JsonNode body) {
    reply(ctx, status, new Reply(status, body).body());
  }

  private static void reply(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON_TYPE).result(body);
  }

  static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    StringBuilder b = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
