package dev.shoal.orchestrator.internal.time;

import java.util.concurrent.Executor;

/**
 * Time and timers for the orchestrator's core, injectable so tests drive leases, heartbeats and
 * backoff with a fake clock instead of sleeping. Timer callbacks run on the given executor.
 */
public interface Clock {

  /** Milliseconds since the epoch. */
  long millis();

  /** A monotonic reading in nanoseconds, for durations. */
  long nanos();

  /** Runs {@code task} on {@code executor} after {@code delayMillis}; the handle cancels it. */
  Timer schedule(Executor executor, Runnable task, long delayMillis);

  /** A scheduled callback. */
  interface Timer {
    void cancel();
  }
}
