package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Futures;
import dev.shoal.client.internal.Transport;
import dev.shoal.operators.Tensor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Jobs ({@code /v1/jobs}), asynchronously: task lists and graphs, tiled matrix products, batches
 * and map-reduces (see {@link JobRequest}), their progress and results. Thread-safe.
 */
public final class AsyncJobs {

  private static final Duration FIRST_POLL = Duration.ofMillis(25);
  private static final Duration MAX_POLL = Duration.ofSeconds(2);

  private final Transport transport;
  private final Encoding encoding;
  private final AsyncBlobs blobs;

  AsyncJobs(Transport transport, AsyncBlobs blobs) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
    this.blobs = blobs;
  }

  /** Submits a job; completes with its id once the orchestrator has durably accepted it. */
  public CompletableFuture<String> submit(JobRequest request) {
    Objects.requireNonNull(request, "request");
    return submitBytes(encoding.job(request).toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Submits a task list with the orchestrator's default timeouts. */
  public CompletableFuture<String> submitTasks(List<TaskSpec> tasks) {
    return submit(JobRequest.tasks(tasks));
  }

  /** Submits C = a·b as one task per {@code tile × tile} output tile. */
  public CompletableFuture<String> submitMatmul(Tensor a, Tensor b, int tile) {
    return submit(JobRequest.matmul(a, b, tile));
  }

  /** Submits a job written as JSON (the HTTP API's format); the orchestrator validates it. */
  public CompletableFuture<String> submitJson(String json) {
    return submitBytes(json.getBytes(StandardCharsets.UTF_8));
  }

  private CompletableFuture<String> submitBytes(byte[] body) {
    return transport.call(transport.post("/v1/jobs", body), json -> Decoding.text(json, "id", "a submitted job"));
  }

  /** A job's state and progress. */
  public CompletableFuture<JobInfo> get(String jobId) {
    return transport.call(transport.get("/v1/jobs/" + Transport.segment(jobId)), Decoding::job);
  }

  /** The most recent jobs, newest first ({@code limit} in 1..1000). */
  public CompletableFuture<List<JobInfo>> list(int limit) {
    return transport.call(transport.get("/v1/jobs?limit=" + limit), Decoding::jobs);
  }

  /** The raw result JSON of a succeeded job; {@link ConflictException} while it runs or if it failed. */
  public CompletableFuture<JsonNode> result(String jobId) {
    return transport.call(transport.get("/v1/jobs/" + Transport.segment(jobId) + "/result"), Function.identity());
  }

  /**
   * The one tensor a succeeded matmul or map_reduce job results in: the product, or the reduce's
   * output. A result kept in the data service (over 1 MiB) is fetched from it. {@link
   * ProtocolException} for a job whose result is per task (a task list or batch: see {@link
   * #result} and {@link #partialResult}).
   */
  public CompletableFuture<Tensor> resultTensor(String jobId) {
    CompletableFuture<JsonNode> result =
        transport.call(transport.get("/v1/jobs/" + Transport.segment(jobId) + "/result"), json -> {
          if (!json.path("result").isObject()) {
            throw new ProtocolException(
                200, "job " + jobId + " has no single tensor result (a task list or batch job's result is per task)", null);
          }
          return json.get("result");
        });
    return Futures.compose(result, r -> blobs.readTensor(Decoding.taskOutput(r)));
  }

  /**
   * What the job has so far, task by task, at any time and for any shape of job: each task's
   * state, the outputs of those accepted (large ones as {@link StoredTensor} references) and
   * errors. Unlike {@link #result}, it answers while the job runs and after it failed.
   */
  public CompletableFuture<JobResult> partialResult(String jobId) {
    return transport.call(
        transport.get("/v1/jobs/" + Transport.segment(jobId) + "/result?partial=true"), Decoding::jobResult);
  }

  /** Cancels every unfinished task of the job; {@link ConflictException} if it already finished. */
  public CompletableFuture<Void> cancel(String jobId) {
    return transport.call(transport.post("/v1/jobs/" + Transport.segment(jobId) + "/cancel", (byte[]) null), json -> null);
  }

  /**
   * Polls the job with growing pauses (25 ms doubling to 2 s) until it finishes or {@code timeout}
   * passes, and completes with it as last seen: check {@link JobInfo#finished()}. Retryable errors
   * while polling are retried until the timeout.
   */
  public CompletableFuture<JobInfo> await(String jobId, Duration timeout) {
    CompletableFuture<JobInfo> out = new CompletableFuture<>();
    poll(jobId, System.nanoTime() + timeout.toNanos(), FIRST_POLL, out);
    return out;
  }

  private void poll(String jobId, long deadline, Duration pause, CompletableFuture<JobInfo> out) {
    if (out.isDone()) {
      return;
    }
    get(jobId)
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
              CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(() -> poll(jobId, deadline, grown, out));
            });
  }
}
