package dev.shoal.orchestrator.internal.http;

import dev.shoal.orchestrator.internal.jobs.TaskRequests;

/**
 * Where the task routes hand webhooks: check a target when a task is submitted, register it
 * durably before the task is acknowledged, and report the task's end.
 */
public interface TaskWebhooks {

  /** Refuses (with an {@link ApiException}) a target or secret the orchestrator will not use. */
  void check(TaskRequests.Webhook webhook);

  /** Keeps the webhook of {@code taskId} durably; returns once it survives a crash. */
  void register(String taskId, TaskRequests.Webhook webhook);

  /** The task has ended and that is durable: deliver its webhook. */
  void ended(String taskId);

  /** An orchestrator without webhooks: every webhook is refused. */
  TaskWebhooks NONE =
      new TaskWebhooks() {
        @Override
        public void check(TaskRequests.Webhook webhook) {
          throw ApiException.invalidArgument("this orchestrator delivers no webhooks");
        }

        @Override
        public void register(String taskId, TaskRequests.Webhook webhook) {
          throw ApiException.invalidArgument("this orchestrator delivers no webhooks");
        }

        @Override
        public void ended(String taskId) {}
      };
}
