package dev.shoal.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.operators.Tensor;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The Java SDK for an orchestrator's REST API. Every call has a blocking form and an
 * {@code …Async} form; blocking forms throw, and async futures fail with, a {@link ShoalException}
 * subclass matching the server's error code (transport failures are {@link UnavailableException}).
 * Thread-safe; one instance per orchestrator is enough. Close it to release its HTTP client.
 */
public final class ShoalClient implements AutoCloseable {

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration FIRST_POLL = Duration.ofMillis(25);
  private static final Duration MAX_POLL = Duration.ofSeconds(2);

  private final String base;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final ObjectMapper mapper;

  private ShoalClient(URI base, Duration requestTimeout) {
    String b = base.toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.requestTimeout = requestTimeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    // Results carry tensors as base64 strings far longer than Jackson's default cap.
    this.mapper =
        new ObjectMapper(
            JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                .build());
  }

  /** A client for the orchestrator at {@code base} (e.g. {@code http://127.0.0.1:8080}), 60 s per request. */
  public static ShoalClient connect(URI base) {
    return connect(base, DEFAULT_TIMEOUT);
  }

  /** A client whose requests each give up after {@code requestTimeout}. */
  public static ShoalClient connect(URI base, Duration requestTimeout) {
    String scheme = base.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException("base must be an http(s) URI, got " + base);
    }
    return new ShoalClient(base, requestTimeout);
  }

  // ---------------------------------------------------------------- workers

  /** The connected workers. */
  public List<WorkerInfo> workers() {
    return sync(workersAsync());
  }

  public CompletableFuture<List<WorkerInfo>> workersAsync() {
    return call(get("/v1/workers"), ShoalClient::workers);
  }

  // ---------------------------------------------------------------- submitting

  /** Submits a task list with the orchestrator's default timeouts; returns the job id. */
  public String submitTasks(List<TaskSpec> tasks) {
    return sync(submitTasksAsync(tasks));
  }

  public CompletableFuture<String> submitTasksAsync(List<TaskSpec> tasks) {
    return submitAsync(JobRequest.tasks(tasks));
  }

  /** Submits C = a·b as one task per {@code tile × tile} output tile; returns the job id. */
  public String submitMatmul(Tensor a, Tensor b, int tile) {
    return sync(submitMatmulAsync(a, b, tile));
  }

  public CompletableFuture<String> submitMatmulAsync(Tensor a, Tensor b, int tile) {
    return submitAsync(JobRequest.matmul(a, b, tile));
  }

  /** Submits a job; returns its id once the orchestrator has durably accepted it. */
  public String submit(JobRequest request) {
    return sync(submitAsync(request));
  }

  public CompletableFuture<String> submitAsync(JobRequest request) {
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(requestJson(request));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("cannot encode the job request", e));
    }
    return submitBytes(body);
  }

  /** Submits a job written as JSON (the HTTP API's format); the orchestrator validates it. */
  public String submitJson(String json) {
    return sync(submitJsonAsync(json));
  }

  public CompletableFuture<String> submitJsonAsync(String json) {
    return submitBytes(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private CompletableFuture<String> submitBytes(byte[] body) {
    HttpRequest req =
        request("/v1/jobs")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return call(req, json -> json.path("id").asText());
  }

  // ---------------------------------------------------------------- reading

  /** A job's state and progress. */
  public JobInfo job(String jobId) {
    return sync(jobAsync(jobId));
  }

  public CompletableFuture<JobInfo> jobAsync(String jobId) {
    return call(get("/v1/jobs/" + segment(jobId)), ShoalClient::job);
  }

  /** The most recent jobs, newest first ({@code limit} in 1..1000). */
  public List<JobInfo> jobs(int limit) {
    return sync(jobsAsync(limit));
  }

  public CompletableFuture<List<JobInfo>> jobsAsync(int limit) {
    return call(
        get("/v1/jobs?limit=" + limit),
        json -> {
          List<JobInfo> out = new ArrayList<>();
          json.path("jobs").forEach(j -> out.add(job(j)));
          return List.copyOf(out);
        });
  }

  /** One task by its full id {@code jobId.taskId}. */
  public TaskInfo task(String id) {
    return sync(taskAsync(id));
  }

  public CompletableFuture<TaskInfo> taskAsync(String id) {
    return call(get("/v1/tasks/" + segment(id)), ShoalClient::task);
  }

  /** The raw result JSON of a succeeded job; {@link ConflictException} while it runs or if it failed. */
  public JsonNode result(String jobId) {
    return sync(resultAsync(jobId));
  }

  public CompletableFuture<JsonNode> resultAsync(String jobId) {
    return call(get("/v1/jobs/" + segment(jobId) + "/result"), Function.identity());
  }

  /** The product of a succeeded matmul job. */
  public Tensor resultTensor(String jobId) {
    return sync(resultTensorAsync(jobId));
  }

  public CompletableFuture<Tensor> resultTensorAsync(String jobId) {
    return call(get("/v1/jobs/" + segment(jobId) + "/result"), json -> TensorCodec.fromJson(json.get("result")));
  }

  /** Cancels every unfinished task of the job; {@link ConflictException} if it already finished. */
  public void cancel(String jobId) {
    sync(cancelAsync(jobId));
  }

  public CompletableFuture<Void> cancelAsync(String jobId) {
    HttpRequest req = request("/v1/jobs/" + segment(jobId) + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build();
    return call(req, json -> null);
  }

  /**
   * Cancels one task ({@code jobId.taskId}); the job's other tasks go on. {@link ConflictException}
   * if it already finished.
   */
  public void cancelTask(String taskId) {
    sync(cancelTaskAsync(taskId));
  }

  public CompletableFuture<Void> cancelTaskAsync(String taskId) {
    HttpRequest req = request("/v1/tasks/" + segment(taskId) + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build();
    return call(req, json -> null);
  }

  // ---------------------------------------------------------------- reputation

  /** A worker's reputation, quarantine and trust, connected or not. */
  public Reputation peer(String peerId) {
    return sync(peerAsync(peerId));
  }

  public CompletableFuture<Reputation> peerAsync(String peerId) {
    return call(get("/v1/peers/" + segment(peerId)), ShoalClient::reputation);
  }

  /** A page of the ledger entries about {@code peerId} (all workers when null) after {@code afterSeq}. */
  public LedgerEntryInfo.Page ledger(String peerId, long afterSeq, int limit) {
    return sync(ledgerAsync(peerId, afterSeq, limit));
  }

  public CompletableFuture<LedgerEntryInfo.Page> ledgerAsync(String peerId, long afterSeq, int limit) {
    String path = (peerId == null ? "/v1/ledger" : "/v1/peers/" + segment(peerId) + "/ledger")
        + "?after=" + afterSeq + "&limit=" + limit;
    return call(
        get(path),
        json -> {
          List<LedgerEntryInfo> entries = new ArrayList<>();
          json.path("entries").forEach(e -> entries.add(entry(e)));
          JsonNode next = json.path("next_after");
          return new LedgerEntryInfo.Page(entries, next.isNumber() ? next.asLong() : null);
        });
  }

  /** Has the orchestrator check the whole ledger chain: links, sequence and every signature. */
  public LedgerEntryInfo.ChainCheck verifyLedger() {
    return sync(verifyLedgerAsync());
  }

  public CompletableFuture<LedgerEntryInfo.ChainCheck> verifyLedgerAsync() {
    return call(
        get("/v1/ledger/verify"),
        j ->
            new LedgerEntryInfo.ChainCheck(
                j.path("ok").asBoolean(), j.path("entries").asLong(), j.path("head_hash").asText(),
                j.path("first_bad_seq").isNumber() ? j.path("first_bad_seq").asLong() : null, text(j.path("reason"))));
  }

  /**
   * Rates a worker: {@code score} in [-1, 1] and a comment of at most 1024 bytes, signed with
   * {@code author} (an Ed25519 key pair) so the ledger can show who said it. Returns the entry
   * as placed in the chain.
   */
  public LedgerEntryInfo rate(String peerId, double score, String comment, KeyPair author) {
    return sync(rateAsync(peerId, score, comment, author));
  }

  public CompletableFuture<LedgerEntryInfo> rateAsync(String peerId, double score, String comment, KeyPair author) {
    byte[] body = Ratings.body(author, peerId, score, comment, System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
    return call(post("/v1/peers/" + segment(peerId) + "/ratings", body), ShoalClient::entry);
  }

  /** Admin: ends a worker's quarantine now; {@link ConflictException} if it is not quarantined. */
  public void liftQuarantine(String peerId) {
    sync(call(post("/v1/peers/" + segment(peerId) + "/quarantine/lift", new byte[0]), json -> null));
  }

  /** Admin: registers a trusted worker (lighter validation; spot checks all the same), or removes it. */
  public void setTrusted(String peerId, boolean trusted) {
    HttpRequest.Builder b = request("/v1/trusted/" + segment(peerId));
    sync(call((trusted ? b.PUT(HttpRequest.BodyPublishers.noBody()) : b.DELETE()).build(), json -> null));
  }

  private HttpRequest post(String path, byte[] body) {
    return request(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  /** The valid results a task keeps under manual acceptance, for the client to choose from. */
  public List<TaskInfo.KeptResult> keptResults(String taskId) {
    return sync(keptResultsAsync(taskId));
  }

  public CompletableFuture<List<TaskInfo.KeptResult>> keptResultsAsync(String taskId) {
    return call(get("/v1/tasks/" + segment(taskId) + "/results"), json -> keptResults(json.path("results")));
  }

  /**
   * Under manual acceptance, makes the kept result of {@code attempt} the task's ({@code
   * jobId.taskId}). {@link ConflictException} if the task is not awaiting a confirmation, {@link
   * InvalidArgumentException} if no valid result of that attempt is kept.
   */
  public void confirm(String taskId, int attempt) {
    sync(confirmAsync(taskId, attempt));
  }

  public CompletableFuture<Void> confirmAsync(String taskId, int attempt) {
    byte[] body = ("{\"attempt\":" + attempt + "}").getBytes(StandardCharsets.UTF_8);
    HttpRequest req =
        request("/v1/tasks/" + segment(taskId) + "/confirm")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return call(req, json -> null);
  }

  /**
   * Polls the job with growing pauses (25 ms doubling to 2 s) until it finishes or
   * {@code timeout} passes, and returns it as last seen: check {@link JobInfo#finished()}.
   * Retryable errors while polling are retried until the timeout.
   */
  public JobInfo awaitJob(String jobId, Duration timeout) {
    return sync(awaitJobAsync(jobId, timeout));
  }

  public CompletableFuture<JobInfo> awaitJobAsync(String jobId, Duration timeout) {
    CompletableFuture<JobInfo> out = new CompletableFuture<>();
    poll(jobId, System.nanoTime() + timeout.toNanos(), FIRST_POLL, out);
    return out;
  }

  @Override
  public void close() {
    http.close();
  }

  // ---------------------------------------------------------------- plumbing

  private void poll(String jobId, long deadline, Duration pause, CompletableFuture<JobInfo> out) {
    if (out.isDone()) {
      return;
    }
    jobAsync(jobId)
        .whenComplete(
            (info, failure) -> {
              long left = deadline - System.nanoTime();
              Duration next = pause;
              if (failure != null) {
                if (!(failure instanceof ShoalException e) || !e.retryable() || left <= 0) {
                  out.completeExceptionally(failure);
                  return;
                }
                next = e.retryAfter().filter(d -> d.compareTo(pause) > 0).orElse(pause);
              } else if (info.finished() || left <= 0) {
                out.complete(info);
                return;
              }
              long wait = Math.max(0, Math.min(next.toNanos(), left));
              Duration grown = pause.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : pause.multipliedBy(2);
              CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS)
                  .execute(() -> poll(jobId, deadline, grown, out));
            });
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(requestTimeout).header("Accept", "application/json");
  }

  private HttpRequest get(String path) {
    return request(path).GET().build();
  }

  /**
   * Sends {@code req}; a 2xx body is parsed and mapped, anything else becomes the matching
   * {@link ShoalException}. The returned future fails with that exception itself, not a wrapper.
   */
  private <T> CompletableFuture<T> call(HttpRequest req, Function<JsonNode, T> map) {
    CompletableFuture<T> out = new CompletableFuture<>();
    http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
        .whenComplete(
            (resp, failure) -> {
              try {
                if (failure != null) {
                  out.completeExceptionally(Errors.transport(req, unwrap(failure)));
                } else if (resp.statusCode() / 100 != 2) {
                  out.completeExceptionally(Errors.fromResponse(mapper, resp));
                } else {
                  JsonNode json = resp.body().length == 0 ? mapper.createObjectNode() : mapper.readTree(resp.body());
                  out.complete(map.apply(json));
                }
              } catch (IOException e) {
                out.completeExceptionally(
                    new ShoalException(
                        "internal", resp.statusCode(), "the orchestrator sent invalid JSON: " + e.getMessage(), false,
                        null, e));
              } catch (RuntimeException e) {
                out.completeExceptionally(e);
              }
            });
    return out;
  }

  private static <T> T sync(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new ShoalException("internal", 0, String.valueOf(e.getCause()), false, null, e.getCause());
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new UnavailableException("unavailable", 0, "interrupted while waiting for the orchestrator", null, e);
    } catch (CancellationException e) {
      throw new UnavailableException("unavailable", 0, "the call was cancelled", null, e);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String segment(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private ObjectNode requestJson(JobRequest r) {
    ObjectNode o = mapper.createObjectNode();
    if (r.tasks() != null) {
      ArrayNode tasks = o.putArray("tasks");
      for (TaskSpec t : r.tasks()) {
        ObjectNode task = tasks.addObject();
        if (t.id() != null) {
          task.put("id", t.id());
        }
        task.put("operator", t.operator());
        ArrayNode inputs = task.putArray("inputs");
        t.inputs().forEach(x -> inputs.add(TensorCodec.toJson(x)));
        if (!t.attributes().isEmpty()) {
          ObjectNode attributes = task.putObject("attributes");
          for (Map.Entry<String, Object> e : t.attributes().entrySet()) {
            switch (e.getValue()) {
              case Long l -> attributes.put(e.getKey(), l);
              case Double d -> attributes.put(e.getKey(), d);
              case String s -> attributes.put(e.getKey(), s);
              case long[] ls -> {
                ArrayNode list = attributes.putArray(e.getKey());
                for (long l : ls) {
                  list.add(l);
                }
              }
              default -> throw new IllegalStateException("TaskSpec admitted attribute " + e.getKey());
            }
          }
        }
        if (t.timeoutMs() != null) {
          task.put("timeout_ms", t.timeoutMs());
        }
        if (t.maxAttempts() != null) {
          task.put("max_attempts", t.maxAttempts());
        }
        if (t.acceptance() != null) {
          task.put("acceptance", t.acceptance());
        }
      }
    } else {
      ObjectNode m = o.putObject("matmul");
      m.set("a", TensorCodec.toJson(r.a()));
      m.set("b", TensorCodec.toJson(r.b()));
      if (r.tileRows() != null) {
        m.put("tile_rows", r.tileRows());
      }
      if (r.tileCols() != null) {
        m.put("tile_cols", r.tileCols());
      }
    }
    if (r.timeoutMs() != null) {
      o.put("timeout_ms", r.timeoutMs());
    }
    if (r.maxAttempts() != null) {
      o.put("max_attempts", r.maxAttempts());
    }
    if (r.deadlineMs() != null) {
      o.put("deadline_ms", r.deadlineMs());
    }
    if (r.acceptance() != null) {
      o.put("acceptance", r.acceptance());
    }
    return o;
  }

  private static List<WorkerInfo> workers(JsonNode json) {
    List<WorkerInfo> out = new ArrayList<>();
    for (JsonNode w : json.path("workers")) {
      List<WorkerInfo.Accelerator> accelerators = new ArrayList<>();
      for (JsonNode a : w.path("accelerators")) {
        accelerators.add(
            new WorkerInfo.Accelerator(a.path("kind").asText(), a.path("model").asText(), a.path("memory_bytes").asLong()));
      }
      out.add(
          new WorkerInfo(
              w.path("peer_id").asText(), w.path("name").asText(), w.path("arch").asText(), w.path("os").asText(),
              w.path("cores").asInt(), w.path("memory_bytes").asLong(), accelerators, strings(w.path("operators")),
              strings(w.path("models")), w.path("capacity").asInt(), w.path("running").asInt(),
              w.path("free_slots").asInt(), w.path("cpu_load").asDouble(), w.path("draining").asBoolean(),
              w.path("connected_at").asLong(), w.path("last_seen").asLong(), w.path("protocol_version").asText(),
              reputation(w.path("reputation"))));
    }
    return List.copyOf(out);
  }

  private static Reputation reputation(JsonNode r) {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    r.path("counts").properties().forEach(e -> counts.put(e.getKey(), e.getValue().asInt()));
    JsonNode q = r.path("quarantine");
    return new Reputation(
        r.path("score").asDouble(), r.path("trusted").asBoolean(), r.path("quarantined").asBoolean(),
        q.path("reason").asText(""), q.path("since").asLong(0), q.path("until").asLong(0), counts);
  }

  private static LedgerEntryInfo entry(JsonNode e) {
    return new LedgerEntryInfo(
        e.path("seq").asLong(), e.path("prev_hash").asText(), e.path("hash").asText(), e.path("at").asLong(),
        e.path("author").asText(), e.path("subject").asText(), e.path("kind").asText(), e.path("score").asDouble(),
        e.path("comment").asText(), e.path("signature").asText());
  }

  private static JobInfo job(JsonNode j) {
    JsonNode t = j.path("tasks");
    return new JobInfo(
        j.path("id").asText(), j.path("kind").asText(), j.path("state").asText(), j.path("created_at").asLong(),
        j.path("finished_at").asLong(0),
        new JobInfo.Progress(
            t.path("total").asInt(), t.path("ready").asInt(), t.path("running").asInt(), t.path("validating").asInt(),
            t.path("succeeded").asInt(), t.path("failed").asInt(), t.path("cancelled").asInt(), t.path("expired").asInt(),
            t.path("awaiting_confirmation").asInt()),
        j.path("attempts").asInt(), j.path("retries").asInt(), text(j.path("error")));
  }

  private static TaskInfo task(JsonNode t) {
    List<TaskInfo.Attempt> attempts = new ArrayList<>();
    for (JsonNode a : t.path("attempts")) {
      attempts.add(
          new TaskInfo.Attempt(
              a.path("attempt").asInt(), a.path("peer_id").asText(), a.path("state").asText(),
              a.path("dispatched_at").asLong(), a.path("ended_at").asLong(0), a.path("detail").asText()));
    }
    List<Tensor> outputs = new ArrayList<>();
    t.path("outputs").forEach(o -> outputs.add(TensorCodec.fromJson(o)));
    JsonNode a = t.path("acceptance");
    TaskInfo.Acceptance acceptance =
        a.isObject()
            ? new TaskInfo.Acceptance(
                a.path("policy").asText(), a.path("decided_by").asText(), a.path("attempt").asInt(),
                a.path("peer_id").asText(), strings(a.path("agreeing")), checks(a.path("checks"), 0, ""))
            : null;
    return new TaskInfo(
        t.path("id").asText(), t.path("job_id").asText(), t.path("task_id").asText(), t.path("index").asInt(),
        t.path("operator").asText(), t.path("state").asText(), t.path("retries_used").asInt(),
        t.path("max_attempts").asInt(), text(t.path("error")), attempts, outputs, text(t.path("acceptance_policy")),
        acceptance, keptResults(t.path("results")));
  }

  private static List<TaskInfo.KeptResult> keptResults(JsonNode results) {
    List<TaskInfo.KeptResult> out = new ArrayList<>();
    for (JsonNode r : results) {
      int attempt = r.path("attempt").asInt();
      String peer = r.path("peer_id").asText();
      List<Tensor> outputs = new ArrayList<>();
      r.path("outputs").forEach(o -> outputs.add(TensorCodec.fromJson(o)));
      out.add(new TaskInfo.KeptResult(attempt, peer, checks(r.path("checks"), attempt, peer), outputs));
    }
    return List.copyOf(out);
  }

  /** Checks as the API lists them; those of one kept result name no attempt, so it is passed in. */
  private static List<TaskInfo.Check> checks(JsonNode array, int attempt, String peer) {
    List<TaskInfo.Check> out = new ArrayList<>();
    for (JsonNode c : array) {
      out.add(
          new TaskInfo.Check(
              c.path("attempt").asInt(attempt), c.path("peer_id").asText(peer), c.path("method").asText(),
              c.path("rounds").asInt(0), c.path("samples").asInt(0), c.path("outcome").asText().equals("passed"),
              c.path("detail").asText("")));
    }
    return List.copyOf(out);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static String text(JsonNode v) {
    return v.isTextual() ? v.textValue() : null;
  }
}
