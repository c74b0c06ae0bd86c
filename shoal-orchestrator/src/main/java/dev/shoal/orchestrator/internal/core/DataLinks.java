package dev.shoal.orchestrator.internal.core;

import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.TaskDescriptor;

/**
 * Turns a task's references into the orchestrator's data service into what one attempt's worker
 * may use: short-lived signed URLs for its inputs, and where to upload large outputs. Called on
 * the core's thread at each dispatch, so it must be cheap (an HMAC per reference).
 */
public interface DataLinks {

  /** Links nothing: tasks keep their inputs as they are, outputs stay inline. */
  DataLinks NONE = (task, attempt, outputBytes) -> task;

  /**
   * The descriptor one attempt is sent. {@code outputBytes} is what its outputs add up to (0: it
   * has no tensor outputs, or they are not known), the most its upload URL will take.
   */
  TaskDescriptor forAttempt(TaskDescriptor task, AttemptRef attempt, long outputBytes);
}
