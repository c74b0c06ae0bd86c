package dev.shoal.orchestrator.internal.core;

import com.google.protobuf.ByteString;

/**
 * A client waiting on one task as it runs. Called on the core's thread, in order: implementations
 * must only hand the event on (to a queue) and never block.
 */
public interface TaskWatcher {

  /** An attempt was dispatched to a worker. */
  void started(int attempt, String peerId, String workerName);

  /** Streamed output of an attempt, in order; provisional until the result is checked. */
  void chunk(int attempt, String channel, ByteString data);

  /** The task ended; {@code status} carries the accepted result or the error. Called once, last. */
  void finished(TaskStatus status);
}
