package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-task routes of API.md "Tasks": run and wait, run and stream, submit and leave, the
 * result, and its artifacts. Handlers run on virtual threads, so waiting on a task blocks only
 * its own connection.
 */
final class TaskRoutes {

  private static final Logger log = LoggerFactory.getLogger(TaskRoutes.class);
  /** Beyond every attempt's timeout, how long a waiting call gives the core to report the end. */
  private static final long GRACE_MILLIS = 30_000;

  private final HttpApi api;
  private final JobService jobs;
  private final TaskRequests requests;
  private final ObjectMapper mapper = new ObjectMapper();

  TaskRoutes(HttpApi api, JobService jobs, TaskRequests requests) {
    this.api = api;
    this.jobs = jobs;
    this.requests = requests;
  }

  /** {@code POST /v1/tasks/run}: the result, or the error that ended the task. */
  void run(Context ctx) throws Exception {
    TaskRequests.Planned planned = requests.plan(api.readJson(ctx), TaskRequests.Mode.RUN);
    Waiter waiter = new Waiter();
    String id = start(ctx, planned, waiter);
    ctx.header("Shoal-Task-Id", id);
    TaskStatus done = waiter.finished(deadline(planned));
    if (done == null) {
      jobs.cancelTask(jobOf(id), TaskRequests.TASK_ID);
      throw new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + id + " did not end in time");
    }
    Optional<ApiException> error = TaskViews.error(id, done);
    if (error.isPresent()) {
      throw error.get();
    }
    api.replyJson(ctx, 200, TaskViews.result(id, done, jobs::workerName));
  }

  /** {@code POST /v1/tasks/stream}: started, chunk…, then result or error, as server-sent events. */
  void stream(Context ctx) throws Exception {
    TaskRequests.Planned planned = requests.plan(api.readJson(ctx), TaskRequests.Mode.STREAM);
    Waiter waiter = new Waiter();
    String id = start(ctx, planned, waiter);
    long deadline = deadline(planned);
    SseStream sse = new SseStream(ctx, "Shoal-Task-Id", id);
    try {
      while (true) {
        Waiter.Event e = waiter.next(deadline);
        if (e == null) {
          jobs.cancelTask(jobOf(id), TaskRequests.TASK_ID);
          sse.event("error", errorJson(id, new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + id + " did not end in time")));
          sse.flush();
          return;
        }
        // Write everything already queued, then flush once.
        do {
          if (write(sse, id, e)) {
            sse.flush();
            return;
          }
          e = waiter.poll();
        } while (e != null);
        sse.flush();
      }
    } catch (IOException gone) {
      // The client left: nobody wants the rest.
      log.debug("event=stream_abandoned task={} reason=\"{}\"", id, gone.getMessage());
      jobs.cancelTask(jobOf(id), TaskRequests.TASK_ID);
    }
  }

  /** Writes one event; true when it ended the stream. */
  private boolean write(SseStream sse, String id, Waiter.Event e) throws IOException {
    switch (e) {
      case Waiter.Started s -> {
        ObjectNode o = mapper.createObjectNode().put("id", id);
        o.putObject("worker").put("peer_id", s.peerId()).put("name", s.workerName());
        o.put("attempt", s.attempt());
        sse.event("started", mapper.writeValueAsBytes(o));
        return false;
      }
      case Waiter.Chunk c -> {
        ObjectNode o =
            mapper.createObjectNode().put("attempt", c.attempt()).put("channel", c.channel()).put("text", c.data().toStringUtf8());
        sse.event("chunk", mapper.writeValueAsBytes(o));
        return false;
      }
      case Waiter.Finished f -> {
        Optional<ApiException> error = TaskViews.error(id, f.status());
        if (error.isPresent()) {
          sse.event("error", errorJson(id, error.get()));
        } else {
          sse.event("result", mapper.writeValueAsBytes(TaskViews.result(id, f.status(), jobs::workerName)));
        }
        return true;
      }
    }
  }

  private byte[] errorJson(String id, ApiException e) throws IOException {
    ObjectNode o = mapper.createObjectNode().put("id", id);
    o.putObject("error").put("code", e.code().wireName()).put("message", e.getMessage());
    return mapper.writeValueAsBytes(o);
  }

  /** {@code POST /v1/tasks}: 202 once the task is durable; it queues if every worker is busy. */
  void submit(Context ctx) throws Exception {
    TaskRequests.Planned planned = requests.plan(api.readJson(ctx), TaskRequests.Mode.ASYNC);
    String jobId;
    String id;
    if (planned.webhook() == null) {
      jobId = api.await(jobs.submit(api.publish(ctx, planned.plan())));
      id = jobId + "." + TaskRequests.TASK_ID;
    } else {
      // The webhook is durable before the task exists, so no end can slip past it.
      JobPlan plan = api.publish(ctx, planned.plan());
      jobId = jobs.newJobId();
      id = jobId + "." + TaskRequests.TASK_ID;
      api.webhooks().register(id, planned.webhook());
      try {
        api.await(jobs.submit(plan.withJobId(jobId)));
      } catch (Exception e) {
        api.webhooks().withdraw(id, "the task was not taken: " + e.getMessage());
        throw e;
      }
      api.webhooks().follow(jobId, id);
    }
    ctx.header("Location", "/v1/tasks/" + id);
    api.replyJson(ctx, 202, mapper.createObjectNode().put("id", id).put("state", "queued"));
  }

  /** {@code GET /v1/tasks/{id}/result}. */
  void result(Context ctx) throws Exception {
    HttpApi.TaskRef ref = api.taskRef(ctx);
    TaskStatus t = finishedTask(ref);
    api.replyJson(ctx, 200, TaskViews.result(ref.full(), t, jobs::workerName));
  }

  /** {@code GET /v1/tasks/{id}/artifacts/<name>}: one artifact's bytes. */
  void artifact(Context ctx) throws Exception {
    HttpApi.TaskRef ref = api.taskRef(ctx);
    String name = ctx.pathParam("name");
    for (TaskViews.Artifact a : artifactsOf(ref)) {
      if (a.name().equals(name)) {
        ctx.status(200).contentType(a.mediaType());
        ctx.header("Content-Disposition", "attachment; filename=\"" + fileName(a.name()) + "\"");
        ctx.result(a.blob().getData().toByteArray());
        return;
      }
    }
    throw ApiException.notFound("task " + ref.full() + " has no artifact '" + HttpApi.printable(name) + "'");
  }

  /** {@code GET /v1/tasks/{id}/artifacts.zip}: every artifact in one zip. */
  void artifactsZip(Context ctx) throws Exception {
    HttpApi.TaskRef ref = api.taskRef(ctx);
    List<TaskViews.Artifact> artifacts = artifactsOf(ref);
    ctx.status(200).contentType("application/zip");
    ctx.header("Content-Disposition", "attachment; filename=\"" + ref.full() + "-artifacts.zip\"");
    OutputStream raw = ctx.res().getOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(raw, StandardCharsets.UTF_8)) {
      for (TaskViews.Artifact a : artifacts) {
        // Names were checked on arrival (ArtifactNames): relative, no "..", no links.
        zip.putNextEntry(new ZipEntry(a.name()));
        a.blob().getData().writeTo(zip);
        zip.closeEntry();
      }
    }
  }

  private List<TaskViews.Artifact> artifactsOf(HttpApi.TaskRef ref) throws Exception {
    TaskStatus t = finishedTask(ref);
    if (t.state() != TaskState.SUCCEEDED || t.result() == null) {
      throw ApiException.conflict("task " + ref.full() + " ended " + t.state().wireName() + " and has no artifacts");
    }
    return TaskViews.artifacts(t.result());
  }

  private TaskStatus finishedTask(HttpApi.TaskRef ref) throws Exception {
    TaskStatus t =
        api.await(jobs.task(ref.jobId(), ref.taskId()))
            .orElseThrow(() -> ApiException.notFound("no task " + ref.full() + " (or its result's retention has ended)"));
    if (!t.state().isTerminal()) {
      throw ApiException.notFinished("task " + ref.full() + " is " + t.state().wireName());
    }
    return t;
  }

  /** Submits for a waiting caller; overload and no-match become errors before anything is kept. */
  private String start(Context ctx, TaskRequests.Planned planned, Waiter waiter) throws Exception {
    return api.await(jobs.submit(api.publish(ctx, planned.plan()), waiter)) + "." + TaskRequests.TASK_ID;
  }

  private static long deadline(TaskRequests.Planned planned) {
    var task = planned.plan().tasks().getFirst();
    long budget = task.template().getTimeoutMs() * task.maxAttempts() + GRACE_MILLIS;
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget);
  }


  static String jobOf(String taskId) {
    return taskId.substring(0, taskId.indexOf('.'));
  }

  private static String fileName(String name) {
    String last = name.substring(name.lastIndexOf('/') + 1);
    return last.replace("\"", "_");
  }
}
