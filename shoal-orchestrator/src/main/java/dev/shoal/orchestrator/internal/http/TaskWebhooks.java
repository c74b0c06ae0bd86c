package dev.shoal.orchestrator.internal.http;

import dev.shoal.orchestrator.internal.jobs.TaskRequests;

/**
 * Where the task routes hand webhooks: register one durably before its task is acknowledged,
 * withdraw it if the task is never taken, and follow the task to its end.
 */
public interface TaskWebhooks {

  /**
   * Checks the target and keeps the webhook of {@code taskId} durably; returns once it survives
   * a crash. Throws {@link ApiException} when the target or secret is refused.
   */
  void register(String taskId, TaskRequests.Webhook webhook);

  /** The task was never taken: forget its webhook. */
  void withdraw(String taskId, String reason);

  /** The task is taken: deliver its webhook once it has ended. Never blocks. */
  void follow(String jobId, String taskId);

  /** An orchestrator without webhooks: every webhook is refused. */
  TaskWebhooks NONE =
      new TaskWebhooks() {
        @Override
        public void register(String taskId, TaskRequests.Webhook webhook) {
          throw ApiException.invalidArgument("this orchestrator delivers no webhooks");
        }

        @Override
        public void withdraw(String taskId, String reason) {}

        @Override
        public void follow(String jobId, String taskId) {}
      };
}
