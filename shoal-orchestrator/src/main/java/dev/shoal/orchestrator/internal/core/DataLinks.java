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
  DataLinks NONE = (task, attempt) -> task;

  TaskDescriptor forAttempt(TaskDescriptor task, AttemptRef attempt);
}
