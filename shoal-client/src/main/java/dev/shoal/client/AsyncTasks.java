package dev.shoal.client;

import dev.shoal.client.internal.ArtifactExtractor;
import dev.shoal.client.internal.ArtifactNameRule;
import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Errors;
import dev.shoal.client.internal.EventPublisher;
import dev.shoal.client.internal.Scatter;
import dev.shoal.client.internal.TaskEvents;
import dev.shoal.client.internal.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * Single tasks, run without writing a job (API.md, "Tasks"), asynchronously: futures fail with the
 * {@link ShoalException} itself (wrapped only by {@code join()}/{@code get()}), streams are cold
 * {@link Flow.Publisher}s. Invalid arguments throw {@link IllegalArgumentException} at once.
 * Thread-safe.
 */
public final class AsyncTasks {

  private static final long DEFAULT_TIMEOUT_MS = 300_000;
  private static final int DEFAULT_MAX_ATTEMPTS = 2;

  private final Transport transport;
  private final Encoding encoding;
  private final AsyncWorkers workers;

  AsyncTasks(Transport transport, AsyncWorkers workers) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
    this.workers = workers;
  }

  // ---------------------------------------------------------------- running

  /**
   * Runs the task and completes with its checked result; fails with {@link TaskFailedException},
   * {@link TaskTimedOutException}, {@link MeshOverloadedException} (nothing is queued), {@link
   * ModelNotFoundException}, {@link WorkerNotFoundException}, ... It waits as long as every allowed
   * attempt may take ({@code timeout_ms} times {@code max_attempts}, defaults included), plus the
   * client's timeout for the answer itself.
   */
  public CompletableFuture<TaskResult> run(TaskRequest request) {
    HttpRequest req = runRequest(request);
    return transport.call(req, Decoding::taskResult);
  }

  /**
   * Streams the task's events. Each subscription sends the task once the subscriber first
   * requests an event; events are read only as they are requested; cancelling releases the
   * connection (the task goes on unless cancelled with {@link #cancel}). A {@link
   * StreamEvent.Error} is delivered as an item before {@code onComplete}; {@code onError} carries
   * failures to start ({@link MeshOverloadedException}, ...) and broken connections ({@link
   * ConnectionException}).
   */
  public Flow.Publisher<StreamEvent> stream(TaskRequest request) {
    HttpRequest req = streamRequest(request);
    return new EventPublisher<>(() -> open(req));
  }

  /**
   * Queues the task ({@code POST /v1/tasks}); completes once the orchestrator holds it durably.
   * Its webhook, if any, is called when it ends; meanwhile poll {@link #status} or {@link #result}.
   */
  public CompletableFuture<TaskHandle> submitAsync(TaskRequest request) {
    Objects.requireNonNull(request, "request");
    return transport.call(transport.post("/v1/tasks", encoding.task(request)), Decoding::taskHandle);
  }

  // ---------------------------------------------------------------- one task by id

  /** The task's state, attempts and acceptance record. */
  public CompletableFuture<TaskInfo> status(String id) {
    return transport.call(transport.get("/v1/tasks/" + Transport.segment(id)), Decoding::task);
  }

  /**
   * The task's result, or its error when it failed ({@link TaskResult#error()}); {@link
   * ConflictException} ({@code not_finished}) while it runs; {@link NotFoundException} once its
   * retention ended.
   */
  public CompletableFuture<TaskResult> result(String id) {
    return transport.call(transport.get("/v1/tasks/" + Transport.segment(id) + "/result"), Decoding::taskResult);
  }

  /** Stops the task; a running attempt is told to stop. {@link ConflictException} if it already ended. */
  public CompletableFuture<Void> cancel(String id) {
    return transport.call(transport.post("/v1/tasks/" + Transport.segment(id) + "/cancel", (byte[]) null), json -> null);
  }

  /** The valid results a task keeps under manual acceptance, for the client to choose from. */
  public CompletableFuture<List<TaskInfo.KeptResult>> keptResults(String id) {
    return transport.call(
        transport.get("/v1/tasks/" + Transport.segment(id) + "/results"), json -> Decoding.keptResults(json.path("results")));
  }

  /**
   * Under manual acceptance, makes the kept result of {@code attempt} the task's. {@link
   * ConflictException} if the task is not awaiting a confirmation, {@link
   * InvalidArgumentException} if no valid result of that attempt is kept.
   */
  public CompletableFuture<Void> confirm(String id, int attempt) {
    var body = transport.mapper().createObjectNode().put("attempt", attempt);
    return transport.call(transport.post("/v1/tasks/" + Transport.segment(id) + "/confirm", body), json -> null);
  }

  /**
   * Dispatches an attempt of a task of an externally scheduled service to {@code workerPeerId},
   * one of the workers registered to that service (API.md "External scheduling"); completes once
   * the attempt is dispatched. Only the worker's fleet owner may, or its delegate with {@code
   * assign} acting for it ({@link ShoalClientOptions.Builder#onBehalfOf}). Fails with {@link
   * MeshOverloadedException} when the worker has no free slot now (retry later, or pick another),
   * {@link ConflictException} when the task is not externally scheduled, has finished or has every
   * attempt it needs, or the worker is not paired, not registered, not connected, cannot run it or
   * already works on it; {@link PermissionDeniedException} when the key may not assign for the
   * worker's owner.
   */
  public CompletableFuture<Void> assign(String id, String workerPeerId) {
    String path = "/v1/tasks/" + Transport.segment(id) + "/assign";
    if (workerPeerId == null || workerPeerId.isBlank()) {
      throw new IllegalArgumentException("workerPeerId is required");
    }
    var body = transport.mapper().createObjectNode().put("worker", workerPeerId);
    return transport.call(transport.post(path, body), json -> null);
  }

  // ---------------------------------------------------------------- artifacts

  /**
   * One artifact's bytes; {@code name} is its path as the result lists it. {@link
   * ArtifactException} when it is larger than the client's {@link ArtifactLimits#maxBytes()}.
   */
  public CompletableFuture<byte[]> artifact(String id, String name) {
    HttpRequest req = transport.get(artifactPath(id, name));
    long cap = transport.options().artifactLimits().maxBytes();
    Supplier<ArtifactException> overCap = () -> new ArtifactException("artifact " + name + " is over the cap of " + cap + " bytes", null);
    return transport.send(req, cap, overCap).thenApply(resp -> resp.body());
  }

  /**
   * Fetches every artifact of the task as one zip and extracts it into {@code dir} (created if
   * missing), safely: see {@link ArtifactException} for what is refused. Completes with the files
   * written.
   */
  public CompletableFuture<List<Path>> downloadArtifacts(String id, Path dir) {
    Objects.requireNonNull(dir, "dir");
    Transport.segment(id);
    CompletableFuture<List<Path>> out = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("shoal-artifacts")
        .start(
            () -> {
              try {
                out.complete(downloadNow(id, dir));
              } catch (RuntimeException e) {
                out.completeExceptionally(e);
              }
            });
    return out;
  }

  // ---------------------------------------------------------------- scatter

  /**
   * Runs every request, spread over {@code options.peerIds()}, each pinned to one worker per try:
   * a try that fails on a worker is retried on another (see {@link ScatterOptions}). Completes,
   * never exceptionally, with one {@link ScatterResult} per request, in submission order.
   */
  public CompletableFuture<List<ScatterResult>> scatter(List<TaskRequest> requests, ScatterOptions options) {
    check(requests, options);
    if (options.peerIds().isEmpty()) {
      throw new IllegalArgumentException("scatter needs options.peerIds; scatterByModel finds workers by model");
    }
    return Scatter.run(
        requests, options.peerIds(), options.maxConcurrency(), options.maxRetries(), this::run, Scatter.REAL_TIME,
        () -> new WorkerNotFoundException("worker_not_found", 0, "no worker to scatter to", null, null));
  }

  /**
   * Like {@link #scatter}, over the workers found serving {@code model} (or over {@code
   * options.peerIds()} when given): those that can take work, least loaded first, as {@code
   * options.pick()} chooses, at most {@code options.maxWorkers()}. Requests without a model get
   * {@code model}. If no worker is found, or finding them fails, every result carries that error.
   */
  public CompletableFuture<List<ScatterResult>> scatterByModel(
      List<TaskRequest> requests, String model, ScatterOptions options) {
    check(requests, options);
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model is required");
    }
    List<TaskRequest> withModel = requests.stream().map(r -> r.model() == null ? r.withModel(model) : r).toList();
    Supplier<ShoalException> none =
        () -> new ModelNotFoundException("model_not_found", 0, "no worker that can take work serves '" + model + "'", null, null);
    if (!options.peerIds().isEmpty()) {
      return Scatter.run(
          withModel, options.peerIds(), options.maxConcurrency(), options.maxRetries(), this::run, Scatter.REAL_TIME, none);
    }
    return workers
        .list(WorkerFilter.model(model))
        .handle(
            (found, failure) -> {
              if (failure != null) {
                return CompletableFuture.completedFuture(
                    Scatter.allFailed(requests.size(), Errors.failure("GET /v1/workers", failure)));
              }
              List<String> peers;
              try {
                peers = Scatter.choose(found, options.pick(), options.maxWorkers());
              } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(
                    Scatter.allFailed(
                        requests.size(),
                        new ShoalException("internal", 0, "the pick function failed: " + e, false, null, e)));
              }
              return Scatter.run(
                  withModel, peers, options.maxConcurrency(), options.maxRetries(), this::run, Scatter.REAL_TIME, none);
            })
        .thenCompose(f -> f);
  }

  private static void check(List<TaskRequest> requests, ScatterOptions options) {
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(options, "options");
    requests.forEach(r -> noWebhook(r, "scatter"));
  }

  // ---------------------------------------------------------------- plumbing (shared with the blocking Tasks)

  HttpRequest runRequest(TaskRequest request) {
    noWebhook(request, "run");
    long timeoutMs = request.timeoutMs() == null ? DEFAULT_TIMEOUT_MS : request.timeoutMs();
    int attempts = request.maxAttempts() == null ? DEFAULT_MAX_ATTEMPTS : request.maxAttempts();
    Duration wait = Duration.ofMillis(timeoutMs).multipliedBy(attempts).plus(transport.options().timeout());
    return transport
        .request("/v1/tasks/run")
        .timeout(wait)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(encoding.task(request).toString()))
        .build();
  }

  HttpRequest streamRequest(TaskRequest request) {
    noWebhook(request, "stream");
    return transport
        .request("/v1/tasks/stream")
        .setHeader("Accept", "text/event-stream")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(encoding.task(request).toString()))
        .build();
  }

  /** Sends a stream request and blocks until its events begin. */
  TaskEvents open(HttpRequest req) {
    InputStream body = transport.openStream(req, "text/event-stream");
    return new TaskEvents(body, transport.mapper(), Transport.what(req));
  }

  String artifactPath(String id, String name) {
    String problem = ArtifactNameRule.problem(Objects.requireNonNull(name, "name"));
    if (problem != null) {
      throw new IllegalArgumentException("artifact name '" + name + "' " + problem);
    }
    List<String> segments = new ArrayList<>();
    for (String s : name.split("/")) {
      segments.add(Transport.segment(s));
    }
    return "/v1/tasks/" + Transport.segment(id) + "/artifacts/" + String.join("/", segments);
  }

  /** Downloads the zip to a temporary file (capped), extracts it, and removes the file. */
  List<Path> downloadNow(String id, Path dir) {
    Objects.requireNonNull(dir, "dir");
    String path = "/v1/tasks/" + Transport.segment(id) + "/artifacts.zip";
    ArtifactLimits limits = transport.options().artifactLimits();
    long cap = ArtifactExtractor.maxArchiveBytes(limits);
    HttpRequest req = transport.request(path).setHeader("Accept", "application/zip").GET().build();
    Path zip;
    try {
      zip = Files.createTempFile("shoal-artifacts-", ".zip");
    } catch (IOException e) {
      throw new ArtifactException("cannot create a temporary file for the artifacts: " + e.getMessage(), e);
    }
    try {
      save(req, zip, cap);
      return ArtifactExtractor.extract(zip, dir, limits);
    } finally {
      try {
        Files.deleteIfExists(zip);
      } catch (IOException e) {
        // A temporary file left behind is not worth failing a download that worked.
      }
    }
  }

  /** Copies the answer to {@code req} into {@code zip}: read failures are the connection's, write failures the disk's. */
  private void save(HttpRequest req, Path zip, long cap) {
    InputStream in = transport.openStream(req, null);
    try (in;
        OutputStream out = Files.newOutputStream(zip)) {
      byte[] buffer = new byte[64 << 10];
      long n = 0;
      while (true) {
        int r;
        try {
          r = in.read(buffer);
        } catch (IOException e) {
          throw Errors.transport(Transport.what(req), e);
        }
        if (r < 0) {
          return;
        }
        n += r;
        if (n > cap) {
          throw new ArtifactException("the artifact archive is over " + cap + " bytes", null);
        }
        out.write(buffer, 0, r);
      }
    } catch (IOException e) {
      throw new ArtifactException("cannot write the artifact archive to " + zip + ": " + e.getMessage(), e);
    }
  }

  private static void noWebhook(TaskRequest request, String call) {
    Objects.requireNonNull(request, "request");
    if (request.webhook() != null) {
      throw new IllegalArgumentException("a webhook is only for submitAsync, not " + call);
    }
  }
}
