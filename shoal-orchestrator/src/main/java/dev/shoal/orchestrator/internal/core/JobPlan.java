package dev.shoal.orchestrator.internal.core;

import java.util.List;

/**
 * A validated job, ready to be accepted: its kind ("tasks", "matmul", "task"), the planner's spec
 * (JSON, kept so results can be assembled later), its tasks, an optional deadline in milliseconds
 * after acceptance (0 = none) past which unfinished tasks expire, and the job id when the caller
 * reserved one with {@link JobService#newJobId()} (null: the core picks it), so that something
 * keyed by the id (a webhook) can be made durable before the job exists.
 */
public record JobPlan(String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis, String jobId) {

  public JobPlan(String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis) {
    this(kind, spec, tasks, deadlineMillis, null);
  }

  public JobPlan withJobId(String id) {
    return new JobPlan(kind, spec, tasks, deadlineMillis, id);
  }
}
