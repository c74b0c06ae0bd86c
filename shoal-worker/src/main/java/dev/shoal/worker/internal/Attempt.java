package dev.shoal.worker.internal;

import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One accepted attempt held by this worker, from its acceptance until exactly one outcome is
 * decided: computed, failed, timed out, cancelled, released, or abandoned with its stream.
 * Thread-safe: whoever wins {@link #finish()} reports the outcome; everyone else stands down.
 * Its monitor orders streamed chunks before the outcome (see {@link #finish()}).
 */
final class Attempt {

  final String key;
  final AttemptRef ref;
  final TaskDescriptor task;
  final Work work;
  final Session session;
  final TaskAck ack;
  final long acceptedNanos;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile long startedNanos;
  private volatile Future<?> execution;
  private volatile ScheduledFuture<?> deadline;

  Attempt(
      String key,
      TaskDescriptor task,
      Work work,
      Session session,
      TaskAck ack,
      long acceptedNanos) {
    this.key = key;
    this.ref = task.getAttempt();
    this.task = task;
    this.work = work;
    this.session = session;
    this.ack = ack;
    this.acceptedNanos = acceptedNanos;
  }

  /**
   * Claims the right to report this attempt's outcome; true exactly once. Synchronized with
   * streamed chunks, which are sent under this attempt's lock while it is unfinished: a chunk
   * queued for sending is therefore always queued before the outcome.
   */
  synchronized boolean finish() {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    return true;
  }

  boolean isFinished() {
    return finished.get();
  }

  /** Interrupts the computation if it is running on an executor thread. */
  void interrupt() {
    Future<?> f = execution;
    if (f != null) {
      f.cancel(true);
    }
  }

  void execution(Future<?> f) {
    execution = f;
    // The outcome may have been decided (cancel, timeout) before the future was known.
    if (finished.get()) {
      f.cancel(true);
    }
  }

  void deadline(ScheduledFuture<?> f) {
    deadline = f;
    if (finished.get()) {
      f.cancel(false);
    }
  }

  void started(long nanos) {
    startedNanos = nanos;
  }

  /** When computation began, or 0 if it has not. */
  long startedNanos() {
    return startedNanos;
  }

  /** Completes once the outcome has been sent or dropped. */
  CompletableFuture<Void> done() {
    return done;
  }

  @Override
  public String toString() {
    return key;
  }
}
