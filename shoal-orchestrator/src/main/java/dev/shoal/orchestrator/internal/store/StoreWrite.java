package dev.shoal.orchestrator.internal.store;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import java.util.List;

/** One change to durable state. Batches of them are applied atomically, in order. */
public sealed interface StoreWrite {

  /** A new job and all its tasks. */
  record PutJob(JobRecord job, List<TaskRecord> tasks) implements StoreWrite {}

  record SetJobState(String jobId, JobState state, long finishedAt, String error) implements StoreWrite {}

  /** New task state; {@code result} and {@code resultPeer} are null unless it just succeeded. */
  record SetTaskState(
      String jobId,
      String taskId,
      TaskState state,
      int retriesUsed,
      int attemptCount,
      String error,
      byte[] result,
      String resultPeer,
      long updatedAt)
      implements StoreWrite {}

  /** Inserts or replaces an attempt. */
  record PutAttempt(AttemptRecord attempt) implements StoreWrite {}

  record AppendEvent(EventRecord event) implements StoreWrite {}
}
