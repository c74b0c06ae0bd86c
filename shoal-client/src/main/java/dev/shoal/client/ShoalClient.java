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
              w.path("connected_at").asLong(), w.path("last_seen").asLong(), w.path("protocol_version").asText()));
    }
    return List.copyOf(out);
  }

  private static JobInfo job(JsonNode j) {
    JsonNode t = j.path("tasks");
    return new JobInfo(
        j.path("id").asText(), j.path("kind").asText(), j.path("state").asText(), j.path("created_at").asLong(),
        j.path("finished_at").asLong(0),
        new JobInfo.Progress(
            t.path("total").asInt(), t.path("ready").asInt(), t.path("running").asInt(), t.path("validating").asInt(),
            t.path("succeeded").asInt(), t.path("failed").asInt(), t.path("cancelled").asInt(), t.path("expired").asInt()),
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
    return new TaskInfo(
        t.path("id").asText(), t.path("job_id").asText(), t.path("task_id").asText(), t.path("index").asInt(),
        t.path("operator").asText(), t.path("state").asText(), t.path("retries_used").asInt(),
        t.path("max_attempts").asInt(), text(t.path("error")), attempts, outputs);
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
