package dev.shoal.orchestrator.internal.http;

import dev.shoal.orchestrator.internal.core.JobService;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.jobs.TaskRequests;
import dev.shoal.orchestrator.internal.webhooks.TargetRefusedException;
import dev.shoal.orchestrator.internal.webhooks.TaskFinishedEvent;
import dev.shoal.orchestrator.internal.webhooks.WebhookDispatcher;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Task webhooks delivered by the {@link WebhookDispatcher}: registered before the task is taken,
 * reported once the core says the task ended and that is durable, and resumed after a restart
 * from what the dispatcher kept. Thread-safe.
 */
public final class DeliveredWebhooks implements TaskWebhooks {

  private static final Logger log = LoggerFactory.getLogger(DeliveredWebhooks.class);

  private final WebhookDispatcher dispatcher;
  private final JobService jobs;
  /** Used when a request names no secret; null if the orchestrator has none. */
  private final String defaultSecret;

  public DeliveredWebhooks(WebhookDispatcher dispatcher, JobService jobs, String defaultSecret) {
    this.dispatcher = dispatcher;
    this.jobs = jobs;
    this.defaultSecret = defaultSecret;
  }

  @Override
  public void register(String taskId, TaskRequests.Webhook webhook) {
    String secret = webhook.secret() != null ? webhook.secret() : defaultSecret;
    if (secret == null) {
      throw ApiException.invalidArgument(
          "webhook.secret is required: this orchestrator has no --webhook-secret-file to sign with");
    }
    try {
      dispatcher.register(taskId, webhook.url(), secret).get(HttpApi.CORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TargetRefusedException e) {
      throw ApiException.invalidArgument("webhook.url is refused: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    } catch (ExecutionException | TimeoutException e) {
      throw ApiException.unavailable("the webhook could not be stored: " + e.getMessage(), 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiException.unavailable("interrupted while storing the webhook", 1);
    }
  }

  @Override
  public void withdraw(String taskId, String reason) {
    dispatcher.withdraw(taskId, reason);
  }

  @Override
  public void follow(String jobId, String taskId) {
    jobs.whenFinished(jobId)
        .thenCompose(done -> jobs.task(jobId, TaskRequests.TASK_ID))
        .whenComplete(
            (task, failure) -> {
              if (failure != null) {
                log.warn("event=webhook_follow_failed task={} message=\"{}\"", taskId, failure.getMessage());
              } else if (task.isEmpty()) {
                dispatcher.withdraw(taskId, "the orchestrator no longer knows the task");
              } else {
                ended(taskId, task.get());
              }
            });
  }

  /** After a restart: every webhook still waiting follows its task again. */
  public void resume() {
    for (String taskId : dispatcher.pendingTaskIds()) {
      int dot = taskId.indexOf('.');
      if (dot < 0) {
        dispatcher.withdraw(taskId, "not a task id");
        continue;
      }
      follow(taskId.substring(0, dot), taskId);
    }
  }

  private void ended(String taskId, TaskStatus t) {
    Optional<ApiException> error = TaskViews.error(taskId, t);
    dispatcher.taskEnded(
        taskId,
        t.state().wireName(),
        error.map(e -> new TaskFinishedEvent.TaskError(e.code().wireName(), e.getMessage())).orElse(null));
  }
}
