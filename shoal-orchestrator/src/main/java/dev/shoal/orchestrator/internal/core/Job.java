package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** A job the core is driving. Confined to the core's synchronization context. */
final class Job {
  final String id;
  final String kind;
  final byte[] spec;
  final long createdAt;
  final long deadlineAt;
  /** The client principal it was published for, and the key that published it ("" for none). */
  final Actor publishedBy;
  final Map<String, Task> tasks = new LinkedHashMap<>();
  final int[] counts = new int[TaskState.values().length];
  JobState state = JobState.RUNNING;
  long finishedAt;
  int attempts;
  int retries;
  String error;

  Job(String id, String kind, byte[] spec, long createdAt, long deadlineAt, Actor publishedBy) {
    this.id = id;
    this.publishedBy = publishedBy;
    this.kind = kind;
    this.spec = spec;
    this.createdAt = createdAt;
    this.deadlineAt = deadlineAt;
  }

  int unfinished() {
    int n = 0;
    for (TaskState s : TaskState.values()) {
      if (!s.isTerminal()) {
        n += counts[s.ordinal()];
      }
    }
    return n;
  }

  JobStatus status() {
    Map<TaskState, Integer> byState = new EnumMap<>(TaskState.class);
    for (TaskState s : TaskState.values()) {
      byState.put(s, counts[s.ordinal()]);
    }
    return new JobStatus(
        id, kind, state, createdAt, finishedAt, tasks.size(), byState, attempts, retries, error, publishedBy.principal());
  }
}
