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
import dev.shoal.orchestrator.internal.core.AttemptStatus;
import dev.shoal.orchestrator.internal.core.JobOutcome;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.JobStatus;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.WorkerStatus;
import dev.shoal.orchestrator.internal.jobs.JobPlanner;
import dev.shoal.orchestrator.internal.jobs.ResultAssembler;
import dev.shoal.orchestrator.internal.jobs.TensorJson;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
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
  private static final long CORE_TIMEOUT_SECONDS = 30;
  private static final String JSON_TYPE = "application/json";
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
  private final Javalin app;

  public HttpApi(
      JobService jobs, JobPlanner planner, ResultAssembler assembler, String host, int port, long maxBodyBytes) {
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
    config.concurrency.useVirtualThreads = true;

    config.routes.get("/v1/health", ctx -> reply(ctx, 200, mapper.createObjectNode().put("status", "ok")));
    config.routes.get("/v1/workers", ctx -> async(ctx, jobs.workers(), this::workers));
    config.routes.post("/v1/jobs", this::submit);
    config.routes.get("/v1/jobs", this::recentJobs);
    config.routes.get("/v1/jobs/{id}", this::job);
    config.routes.get("/v1/jobs/{id}/result", this::result);
    config.routes.post("/v1/jobs/{id}/cancel", this::cancel);
    config.routes.get("/v1/tasks/{id}", this::task);
    config.routes.post("/v1/tasks/{id}/cancel", this::cancelTask);

    config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
    config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e.getStatus(), ctx)));
    // JobService.Unavailable thrown synchronously still means 503; anything unknown is logged, then 500.
    config.routes.exception(Exception.class, (e, ctx) -> error(ctx, translate(e, ctx)));
    // Anything that still ends as a bare 404/405 (no handler ran) gets the envelope too.
    config.routes.error(404, ctx -> envelopeIfEmpty(ctx, fromJavalin(404, ctx)));
    config.routes.error(405, ctx -> envelopeIfEmpty(ctx, fromJavalin(405, ctx)));
  }

  // ---------------------------------------------------------------- routes

  private void submit(Context ctx) {
    JsonNode body = readJson(ctx);
    JobPlan plan = planner.plan(body);
    int tasks = plan.tasks().size();
    async(
        ctx,
        jobs.submit(plan),
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
    async(
        ctx,
        jobs.outcome(id),
        found -> {
          JobOutcome outcome = found.orElseThrow(() -> noJob(id));
          JobStatus s = outcome.status();
          if (s.state() == JobState.RUNNING) {
            int done = 0;
            for (Map.Entry<TaskState, Integer> e : s.counts().entrySet()) {
              done += e.getKey().isTerminal() ? e.getValue() : 0;
            }
            throw ApiException.notFinished("job " + id + " is still running (" + done + " of " + s.total() + " tasks finished)");
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
        jobs.cancel(id),
        outcome ->
            switch (outcome) {
              case CANCELLED ->
                  new Reply(200, mapper.createObjectNode().put("id", id).put("state", JobState.CANCELLED.wireName()));
              case NOT_FOUND -> throw noJob(id);
              case ALREADY_FINISHED -> throw ApiException.conflict("job " + id + " has already finished");
            });
  }

  /** A task named on the wire as {@code {job_id}.{task_id}}; job ids never contain '.'. */
  private record TaskRef(String full, String jobId, String taskId) {}

  private TaskRef taskRef(Context ctx) {
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
        jobs.cancelTask(jobId, taskId),
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

  private Reply workers(List<WorkerStatus> workers) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode array = out.putArray("workers");
    for (WorkerStatus w : workers) {
      NodeDescriptor d = w.descriptor();
      ObjectNode o = array.addObject();
      o.put("peer_id", d.getPeerId());
      o.put("name", d.getName());
      o.put("arch", d.getHardware().getArch());
      o.put("os", d.getHardware().getOs());
      o.put("cores", d.getHardware().getCores());
      o.put("memory_bytes", d.getHardware().getMemoryBytes());
      ArrayNode accelerators = o.putArray("accelerators");
      for (Accelerator a : d.getHardware().getAcceleratorsList()) {
        accelerators.addObject().put("kind", a.getKind()).put("model", a.getModel()).put("memory_bytes", a.getMemoryBytes());
      }
      d.getOperatorsList().forEach(o.putArray("operators")::add);
      d.getModelsList().forEach(o.putArray("models")::add);
      o.put("capacity", w.capacity());
      o.put("running", w.reserved());
      o.put("free_slots", Math.max(0, w.capacity() - w.reserved()));
      o.put("cpu_load", w.load().getCpuLoad());
      o.put("draining", w.draining());
      o.put("connected_at", w.connectedAt());
      o.put("last_seen", w.lastSeen());
      o.put("protocol_version", w.protocolVersion());
    }
    return new Reply(200, out);
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
    if (t.state() == TaskState.SUCCEEDED && t.result() != null) {
      g.writeArrayFieldStart("outputs");
      for (Tensor out : ResultAssembler.outputs(t.result())) {
        TensorJson.write(g, out, format);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
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

  private ApiException translate(Throwable failure, Context ctx) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return switch (cause) {
      case ApiException api -> api;
      case JobService.Unavailable u -> ApiException.unavailable(u.getMessage(), 1);
      case TimeoutException t -> ApiException.unavailable("the orchestrator did not answer in time", 1);
      case RejectedExecutionException r -> ApiException.unavailable("the orchestrator is shutting down", 1);
      default -> {
        log.error(
            "event=http_failure method={} path={} message=\"{}\"", ctx.method(), ctx.path(), cause.getMessage(), cause);
        yield ApiException.internal("the server failed to handle the request");
      }
    };
  }

  private JsonNode readJson(Context ctx) {
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

  private static int limit(String value) {
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
    ObjectNode envelope = mapper.createObjectNode();
    envelope.putObject("error").put("code", e.code().wireName()).put("message", e.getMessage());
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

  private static void reply(Context ctx, int status, JsonNode body) {
    reply(ctx, status, new Reply(status, body).body());
  }

  private static void reply(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON_TYPE).result(body);
  }

  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    StringBuilder b = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
