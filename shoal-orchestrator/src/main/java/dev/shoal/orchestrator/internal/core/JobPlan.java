package dev.shoal.orchestrator.internal.core;

import java.util.List;

/**
 * A validated job, ready to be accepted: its kind ("tasks", "matmul", "task"), the planner's spec
 * (JSON, kept so results can be assembled later), its tasks, an optional deadline in milliseconds
 * after acceptance (0 = none) past which unfinished tasks expire, and the job id when the caller
 * reserved one with {@link JobService#newJobId()} (null: the core picks it), so that something
 * keyed by the id (a webhook) can be made durable before the job exists. {@code actor} is whom it
 * is published for (the job's owner) and by which key.
 */
public record JobPlan(String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis, String jobId, Actor actor) {

  public JobPlan {
    actor = actor == null ? Actor.NONE : actor;
  }

  public JobPlan(String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis) {
    this(kind, spec, tasks, deadlineMillis, null, Actor.NONE);
  }

  public JobPlan withJobId(String id) {
    return new JobPlan(kind, spec, tasks, deadlineMillis, id, actor);
  }

  /** The same plan published for {@code by}. */
  public JobPlan by(Actor by) {
    return new JobPlan(kind, spec, tasks, deadlineMillis, jobId, by);
  }
}
