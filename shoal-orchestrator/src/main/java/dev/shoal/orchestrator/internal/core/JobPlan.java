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
public record JobPlan(
    String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis, String jobId, Actor actor, long payment) {

  public JobPlan {
    actor = actor == null ? Actor.NONE : actor;
    if (payment < 0 || payment > 0 && tasks.size() != 1) {
      throw new IllegalArgumentException("a payment is for a job of one task, and not negative");
    }
  }

  public JobPlan(String kind, byte[] spec, List<PlannedTask> tasks, long deadlineMillis) {
    this(kind, spec, tasks, deadlineMillis, null, Actor.NONE, 0);
  }

  public JobPlan withJobId(String id) {
    return new JobPlan(kind, spec, tasks, deadlineMillis, id, actor, payment);
  }

  /** The same plan published for {@code by}, who pays {@code payment} if it is above zero. */
  public JobPlan by(Actor by) {
    return new JobPlan(kind, spec, tasks, deadlineMillis, jobId, by, payment);
  }

  /** The same plan, its one task paying {@code credits} from its client's balance. */
  public JobPlan paying(long credits) {
    return new JobPlan(kind, spec, tasks, deadlineMillis, jobId, actor, credits);
  }
}
