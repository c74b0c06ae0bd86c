package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import io.javalin.http.Context;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The single-task routes of API.md "Tasks": run and wait, run and stream, submit and leave, the
 * result, and its artifacts. A waiting call holds no thread: its {@link TaskAnswer} is written
 * as the task's events come.
 */
final class TaskRoutes {

  private final HttpApi api;
  private final JobService jobs;
  private final TaskRequests requests;
  private final AnswerDeadlines deadlines;
  private final ObjectMapper mapper = new ObjectMapper();

  TaskRoutes(HttpApi api, JobService jobs, TaskRequests requests, AnswerDeadlines deadlines) {
    this.api = api;
    this.deadlines = deadlines;
    this.jobs = jobs;
    this.requests = requests;
  }

  /** {@code POST /v1/tasks/run}: the result, or the error that ended the task. */
  void run(Context ctx) throws Exception {
    answer(ctx, requests.plan(api.readJson(ctx), TaskRequests.Mode.RUN), false);
  }

  /** {@code POST /v1/tasks/stream}: started, chunk…, then result or error, as server-sent events. */
  void stream(Context ctx) throws Exception {
    answer(ctx, requests.plan(api.readJson(ctx), TaskRequests.Mode.STREAM), true);
  }

  /**
   * Submits for a waiting caller (overload and no-match become errors before anything is kept),
   * then hands the response to the task's answer: the core's thread writes it as the task's
   * events come, and this thread goes back to the server.
   */
  private void answer(Context ctx, TaskRequests.Planned planned, boolean stream) throws Exception {
    String jobId = jobs.newJobId();
    String id = jobId + "." + TaskRequests.TASK_ID;
    TaskAnswer answer = new TaskAnswer(mapper, id, stream, jobs::workerName, () -> jobs.cancelTask(jobId, TaskRequests.TASK_ID));
    api.await(jobs.submit(api.publish(ctx, planned.plan().withJobId(jobId)), answer));
    deadlines.watch(answer, planned.plan().tasks().getFirst(), () -> jobs.cancelTask(jobId, TaskRequests.TASK_ID));
    answer.reply().arm(ctx);
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

  static String jobOf(String taskId) {
    return taskId.substring(0, taskId.indexOf('.'));
  }

  private static String fileName(String name) {
    String last = name.substring(name.lastIndexOf('/') + 1);
    return last.replace("\"", "_");
  }
}
