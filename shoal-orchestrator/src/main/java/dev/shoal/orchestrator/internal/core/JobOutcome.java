package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.protocol.v1.ResultDescriptor;
import java.util.List;

/** Everything needed to present a job's result: its status, planner spec and each task's outcome. */
public record JobOutcome(JobStatus status, byte[] spec, List<TaskOutcome> tasks) {

  /** One task's final state and accepted result (null unless it succeeded). */
  public record TaskOutcome(String taskId, TaskState state, ResultDescriptor result, String error) {}
}
