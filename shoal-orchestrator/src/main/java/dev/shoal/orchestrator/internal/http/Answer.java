package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.TaskWatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A waiting client's answer, rendered from its task's events as they come and written through an
 * {@link AsyncReply}: the events arrive on the core's thread, which this never blocks and never
 * throws into. Exactly one of the task's end, the deadline and the client leaving ends it.
 */
abstract class Answer implements TaskWatcher {

  private static final Logger log = LoggerFactory.getLogger(Answer.class);

  protected static final String JSON = "application/json";

  protected final ObjectMapper mapper;
  protected final String taskId;
  protected final AsyncReply reply;
  private final AtomicBoolean over = new AtomicBoolean();

  /**
   * @param mapper renders the answer's JSON
   * @param taskId the task's full id, {@code job.task}
   * @param onGone what to do when the client leaves before the end: cancel the task
   */
  Answer(ObjectMapper mapper, String taskId, Runnable onGone) {
    this.mapper = mapper;
    this.taskId = taskId;
    this.reply =
        new AsyncReply(() -> {
          if (over.compareAndSet(false, true)) {
            log.debug("event=stream_abandoned task={}", taskId);
            onGone.run();
          }
        });
  }

  /** Opens an event stream: its head goes out at once, before the first event. */
  protected final void openStream() {
    reply.head(
        new AsyncReply.Head(
            200, "text/event-stream; charset=utf-8", -1, "Cache-Control", "no-cache", "X-Accel-Buffering", "no",
            "Shoal-Task-Id", taskId),
        true);
  }

  /** An error as the whole answer: its status, its envelope, Retry-After when it has one. */
  protected final void replyError(ApiException e, byte[] envelope) {
    if (e.retryAfterSeconds() > 0) {
      reply.reply(e.status(), JSON, envelope, "Shoal-Task-Id", taskId, "Retry-After", Long.toString(e.retryAfterSeconds()));
    } else {
      reply.reply(e.status(), JSON, envelope, "Shoal-Task-Id", taskId);
    }
  }

  protected final byte[] bytes(JsonNode json) {
    try {
      return mapper.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  AsyncReply reply() {
    return reply;
  }

  /** Whether the answer still takes events. */
  protected final boolean open() {
    return !over.get();
  }

  @Override
  public void started(int attempt, String peerId, String workerName) {}

  @Override
  public void chunk(int attempt, String channel, ByteString data) {}

  @Override
  public final void finished(TaskStatus status) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    try {
      TaskViews.error(taskId, status).ifPresentOrElse(this::fail, () -> succeed(status));
    } catch (RuntimeException e) {
      // Never into the core: it called us in the middle of ending the task.
      log.warn("event=answer_failed task={} error=\"{}\"", taskId, e.toString(), e);
      fail(new ApiException(ApiException.Code.INTERNAL, "the answer could not be written: " + e.getMessage()));
    }
  }

  /** The deadline passed first: true if it ended the answer (the caller then cancels the task). */
  final boolean timedOut() {
    if (!over.compareAndSet(false, true)) {
      return false;
    }
    fail(new ApiException(ApiException.Code.TASK_TIMED_OUT, "task " + taskId + " did not end in time"));
    return true;
  }

  /** The task ended with an accepted result. */
  protected abstract void succeed(TaskStatus status);

  /** The task failed or ran out of time: the error as the whole answer, or the stream's last event. */
  protected abstract void fail(ApiException e);
}
