package dev.shoal.orchestrator.internal.time;

import java.util.PriorityQueue;
import java.util.concurrent.Executor;

/** A clock that moves only when told to; due timers run inside {@link #advance}. Thread-safe. */
public final class FakeClock implements Clock {

  private record Entry(long due, long seq, Executor executor, Runnable task, boolean[] cancelled) {}

  private final PriorityQueue<Entry> queue =
      new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;

  public FakeClock(long startMillis) {
    this.now = startMillis;
  }

  @Override
  public synchronized long millis() {
    return now;
  }

  @Override
  public synchronized long nanos() {
    return now * 1_000_000L;
  }

  @Override
  public synchronized Timer schedule(Executor executor, Runnable task, long delayMillis) {
    boolean[] cancelled = {false};
    queue.add(new Entry(now + Math.max(0, delayMillis), seq++, executor, task, cancelled));
    return () -> {
      synchronized (FakeClock.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Moves time forward, running every timer that falls due, in order. */
  public void advance(long millis) {
    long target;
    synchronized (this) {
      target = now + millis;
    }
    while (true) {
      Entry next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, next.due);
        if (next.cancelled[0]) {
          continue;
        }
      }
      next.executor.execute(next.task);
    }
  }

  public synchronized int pendingTimers() {
    return (int) queue.stream().filter(e -> !e.cancelled[0]).count();
  }
}
