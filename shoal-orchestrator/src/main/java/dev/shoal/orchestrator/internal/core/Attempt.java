package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.acceptance.StreamedOutput;
import dev.shoal.orchestrator.internal.acceptance.Verdict;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.time.Clock;
import dev.shoal.protocol.v1.ResultDescriptor;

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
  /** The session whose result answered this attempt (0: none yet), and that result's signature. */
  long answeredIn;
  byte[] answerSignature;
  /** The worker's OK result, kept even when it came late; null otherwise. */
  ResultDescriptor result;
  /** Set once the result has been validated. */
  Verdict verdict;
  /** Output chunks this attempt streamed, for programs; null until the first one. */
  StreamedOutput streamed;
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
