package dev.shoal.client;

import dev.shoal.client.internal.Errors;

/**
 * One server-sent event of {@code tasks().stream} (API.md, "Streaming"): {@link Started} once per
 * attempt, {@link Chunk}s of provisional output, then exactly one {@link Result} or {@link Error},
 * which ends the stream.
 */
public sealed interface StreamEvent {

  /** Whether this event ends the stream. */
  default boolean terminal() {
    return this instanceof Result || this instanceof Error;
  }

  /** An attempt of task {@code taskId} began on {@code worker}. */
  record Started(String taskId, TaskResult.WorkerRef worker, int attempt) implements StreamEvent {}

  /**
   * Output as it is produced: model tokens, or a process's stdout or stderr. Provisional: it was
   * not checked yet, and belongs to {@code attempt} only.
   */
  record Chunk(int attempt, Channel channel, String text) implements StreamEvent {}

  /** The checked result; the stream ends. */
  record Result(TaskResult result) implements StreamEvent {}

  /** The task failed (or could not start); the stream ends. */
  record Error(String taskId, String code, String message) implements StreamEvent {
    /** The exception a blocking call would have thrown for this error, e.g. {@link TaskFailedException}. */
    public ShoalException exception() {
      return Errors.of(code, Errors.statusFor(code), message, null, taskId);
    }
  }

  /** Where a chunk came from. */
  enum Channel {
    TOKENS,
    STDOUT,
    STDERR
  }
}
