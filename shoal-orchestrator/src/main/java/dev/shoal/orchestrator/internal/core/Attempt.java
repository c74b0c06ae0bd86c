package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.time.Clock;

/** One dispatch of a task to one worker. Confined to the core's synchronization context. */
final class Attempt {
  final Task task;
  final int number;
  final String peerId;
  /** The session it was sent on; null for attempts recovered from the store. */
  final WorkerSession session;
  final long dispatchedAt;
  /** Monotonic time of the dispatch, for the round-trip measurement. */
  long sentNanos;
  AttemptState state;
  long endedAt;
  String detail = "";
  boolean holdsSlot;
  Clock.Timer deadline;
  Clock.Timer slotRelease;

  Attempt(Task task, int number, String peerId, WorkerSession session, AttemptState state, long dispatchedAt) {
    this.task = task;
    this.number = number;
    this.peerId = peerId;
    this.session = session;
    this.state = state;
    this.dispatchedAt = dispatchedAt;
  }

  String key() {
    return task.job.id + '/' + task.id + '#' + number;
  }
}
