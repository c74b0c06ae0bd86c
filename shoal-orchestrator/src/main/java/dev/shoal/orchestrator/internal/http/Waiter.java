package dev.shoal.orchestrator.internal.http;

import com.google.protobuf.ByteString;
import dev.shoal.orchestrator.internal.core.TaskStatus;
import dev.shoal.orchestrator.internal.core.TaskWatcher;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client connection waiting on one task: the core hands it events on its own thread (never
 * blocking it), and the connection's virtual thread takes them in order.
 */
final class Waiter implements TaskWatcher {

  /** What happened to the task, in order. */
  sealed interface Event permits Started, Chunk, Finished {}

  record Started(int attempt, String peerId, String workerName) implements Event {}

  record Chunk(int attempt, String channel, ByteString data) implements Event {}

  record Finished(TaskStatus status) implements Event {}

  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();

  @Override
  public void started(int attempt, String peerId, String workerName) {
    events.add(new Started(attempt, peerId, workerName));
  }

  @Override
  public void chunk(int attempt, String channel, ByteString data) {
    events.add(new Chunk(attempt, channel, data));
  }

  @Override
  public void finished(TaskStatus status) {
    events.add(new Finished(status));
  }

  /** The next event, or null if none came before {@code deadlineNanos} (a {@link System#nanoTime()}). */
  Event next(long deadlineNanos) throws InterruptedException {
    return events.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** The next event if one is already queued. */
  Event poll() {
    return events.poll();
  }

  /** Skips everything until the task's end; null if it did not end before the deadline. */
  TaskStatus finished(long deadlineNanos) throws InterruptedException {
    while (true) {
      Event e = next(deadlineNanos);
      if (e == null) {
        return null;
      }
      if (e instanceof Finished f) {
        return f.status();
      }
    }
  }
}
