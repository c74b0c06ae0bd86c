package dev.shoal.orchestrator.internal.http;

import dev.shoal.orchestrator.internal.core.PlannedTask;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Ends the answers whose task outlived its timeouts and grace, and cancels the task. A sweep a
 * second, not a timer per answer: nearly every answer ends long before its deadline, and a timer
 * set and cancelled per request woke a thread per request.
 */
final class AnswerDeadlines implements AutoCloseable {

  /** Sweeps every API's answers, one daemon thread for the JVM. */
  private static final ScheduledExecutorService SWEEPER =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("answer-deadlines").factory());

  /** Beyond every attempt's timeout, how long a waiting client gives the core to report the end. */
  static final long GRACE_MILLIS = 30_000;

  private record Deadline(long nanos, Runnable cancel) {}

  private final Map<Answer, Deadline> open = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;
  private final ScheduledFuture<?> sweeper;

  AnswerDeadlines() {
    this(System::nanoTime);
  }

  /** @param nanoTime the clock deadlines are read against, {@link System#nanoTime} but in tests */
  AnswerDeadlines(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.sweeper = SWEEPER.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Watches {@code answer} until it ends; once every attempt of {@code task} could have timed
   * out, and the grace after, ends it and runs {@code cancel}.
   */
  void watch(Answer answer, PlannedTask task, Runnable cancel) {
    long budget = task.template().getTimeoutMs() * task.maxAttempts() + GRACE_MILLIS;
    open.put(answer, new Deadline(nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(budget), cancel));
    answer.reply().whenEnded(() -> open.remove(answer));
  }

  void sweep() {
    long now = nanoTime.getAsLong();
    open.forEach((answer, d) -> {
      if (now - d.nanos() >= 0 && open.remove(answer, d) && answer.timedOut()) {
        d.cancel().run();
      }
    });
  }

  /** Stops the sweep; answers still open stay so until their tasks end. */
  @Override
  public void close() {
    sweeper.cancel(false);
  }
}
