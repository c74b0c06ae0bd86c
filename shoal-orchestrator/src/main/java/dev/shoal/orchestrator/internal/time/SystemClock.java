package dev.shoal.orchestrator.internal.time;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The real clock; one daemon thread fires timers and hands them to their executor. */
public final class SystemClock implements Clock, AutoCloseable {

  private final ScheduledExecutorService timers;

  public SystemClock() {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "shoal-timer");
              t.setDaemon(true);
              return t;
            });
    // Cancelled leases are the common case; do not let them pile up in the queue.
    pool.setRemoveOnCancelPolicy(true);
    this.timers = pool;
  }

  @Override
  public long millis() {
    return System.currentTimeMillis();
  }

  @Override
  public long nanos() {
    return System.nanoTime();
  }

  @Override
  public Timer schedule(Executor executor, Runnable task, long delayMillis) {
    ScheduledFuture<?> f =
        timers.schedule(() -> executor.execute(task), Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void close() {
    timers.shutdownNow();
  }
}
