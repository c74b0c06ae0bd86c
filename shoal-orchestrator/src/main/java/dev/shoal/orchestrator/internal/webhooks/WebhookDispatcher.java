package dev.shoal.orchestrator.internal.webhooks;

import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.DeliveryAttemptRecord;
import dev.shoal.orchestrator.internal.store.DeliveryRecord;
import dev.shoal.orchestrator.internal.store.DeliveryState;
import dev.shoal.orchestrator.internal.time.Clock;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook outbox: remembers, durably, which tasks want a webhook; when one ends, builds its
 * {@code task.finished} event and delivers it, retrying with exponential backoff (1 s, doubling,
 * at most {@value #MAX_ATTEMPTS} attempts) on the injected {@link Clock}. Every attempt is
 * recorded. After a restart {@link #start} resumes deliveries that were under way, and
 * {@link #pendingTaskIds} names the tasks still waiting to end, for the caller to check against
 * its own state.
 *
 * <p>Threading: bookkeeping and store writes run on one serial thread, in submission order; each
 * attempt's network I/O runs on its own virtual thread, so a slow receiver delays no one else.
 * Public methods are thread-safe.
 */
public final class WebhookDispatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

  public static final int MAX_ATTEMPTS = 8;
  static final long FIRST_RETRY_DELAY_MILLIS = 1_000;
  public static final int MIN_SECRET_LENGTH = 16;
  public static final int MAX_SECRET_LENGTH = 256;
  private static final int MAX_TASK_ID_LENGTH = 256;

  private final ClientStore store;
  private final TargetPolicy policy;
  private final WebhookSender sender;
  private final Clock clock;
  private final ExecutorService serial;
  private final ExecutorService network;
  /** Registered tasks that have not ended; put and remove happen under {@link #registration}. */
  private final Map<String, DeliveryRecord> waiting = new ConcurrentHashMap<>();
  private final Object registration = new Object();
  /** Retry timers by task id; touched on the serial thread only. */
  private final Map<String, Clock.Timer> timers = new HashMap<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;

  /** Checks targets with {@code sender}'s policy, so submit and connect apply the same rules. */
  public WebhookDispatcher(ClientStore store, WebhookSender sender, Clock clock) {
    this.store = store;
    this.policy = sender.policy();
    this.sender = sender;
    this.clock = clock;
    this.serial = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "shoal-webhooks");
      t.setDaemon(true);
      return t;
    });
    this.network = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("shoal-webhook-send-", 0).factory());
  }

  /**
   * Loads the outbox: tasks still waiting to end become {@link #pendingTaskIds}; deliveries whose
   * task had ended are resumed where they stopped (their attempt count and next due time).
   */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("webhooks already started");
    }
    int resumed = 0;
    for (DeliveryRecord d : store.openDeliveries()) {
      if (d.state() == DeliveryState.WAITING) {
        waiting.put(d.taskId(), d);
      } else {
        resumed++;
        onSerial(() -> schedule(d, d.nextAttemptAt() - clock.millis()));
      }
    }
    log.info("webhooks started waiting={} resumed={}", waiting.size(), resumed);
  }

  /**
   * Registers a task's webhook before the task is acknowledged. Checks the URL at once (shape and
   * every resolved address; a {@link TargetRefusedException} says why not) and the secret's length
   * ({@link IllegalArgumentException}); the future completes once the registration is durable.
   * The secret is stored as given: every attempt must sign with it.
   */
  public CompletableFuture<Void> register(String taskId, String url, String secret) {
    if (taskId == null || taskId.isBlank() || taskId.length() > MAX_TASK_ID_LENGTH) {
      throw new IllegalArgumentException("task id must be 1.." + MAX_TASK_ID_LENGTH + " characters");
    }
    if (secret == null || secret.length() < MIN_SECRET_LENGTH || secret.length() > MAX_SECRET_LENGTH) {
      throw new IllegalArgumentException(
          "webhook.secret must be " + MIN_SECRET_LENGTH + ".." + MAX_SECRET_LENGTH + " characters");
    }
    policy.check(url);
    DeliveryRecord d = DeliveryRecord.waiting(taskId, UUID.randomUUID().toString(), url, secret, clock.millis());
    synchronized (registration) {
      // Queued under the lock, so the row is written before taskEnded's update can be queued.
      if (waiting.putIfAbsent(taskId, d) != null) {
        throw new IllegalStateException("task " + taskId + " already has a webhook");
      }
      CompletableFuture<Void> durable;
      try {
        durable = CompletableFuture.runAsync(() -> store.putDelivery(d), serial);
      } catch (RejectedExecutionException e) {
        durable = CompletableFuture.failedFuture(new IllegalStateException("webhooks are shut down", e));
      }
      return durable.whenComplete((v, e) -> {
        if (e != null) {
          waiting.remove(taskId, d);
        }
      });
    }
  }

  /**
   * Tells the outbox a task ended; if it registered a webhook, its event is fixed now and
   * delivered. False if the task has no webhook waiting (none registered, or already told).
   */
  public boolean taskEnded(String taskId, String state, TaskFinishedEvent.TaskError error) {
    if (state == null || state.isBlank()) {
      throw new IllegalArgumentException("an ended task has a state (succeeded, failed, cancelled, ...)");
    }
    synchronized (registration) {
      DeliveryRecord d = waiting.remove(taskId);
      if (d == null) {
        return false;
      }
      long at = clock.millis();
      String payload = new TaskFinishedEvent(d.eventId(), taskId, state, error, at).toJson();
      onSerial(() -> begin(d.ended(payload, at)));
      return true;
    }
  }

  /**
   * Drops a registration whose task will never end: its submission failed after
   * {@link #register}, or after a restart the core no longer knows it. False if it was not waiting.
   */
  public boolean withdraw(String taskId, String reason) {
    synchronized (registration) {
      DeliveryRecord d = waiting.remove(taskId);
      if (d == null) {
        return false;
      }
      onSerial(() -> store.updateDelivery(d.withdrawn(reason, clock.millis())));
      return true;
    }
  }

  /** Registered tasks that have not ended (after a restart: check each against the core and call {@link #taskEnded}). */
  public Set<String> pendingTaskIds() {
    return Set.copyOf(waiting.keySet());
  }

  private void begin(DeliveryRecord d) {
    store.updateDelivery(d);
    attempt(d);
  }

  private void attempt(DeliveryRecord d) {
    timers.remove(d.taskId());
    byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
    try {
      network.execute(() -> {
        WebhookSender.Outcome outcome;
        try {
          outcome = sender.send(d.url(), d.eventId(), clock.millis() / 1000, body, d.secret());
        } catch (RuntimeException e) {
          log.error("webhook attempt failed unexpectedly task={}", d.taskId(), e);
          outcome = new WebhookSender.Outcome.Failed("internal error: " + e);
        }
        WebhookSender.Outcome result = outcome;
        onSerial(() -> finish(d, result));
      });
    } catch (RejectedExecutionException e) {
      // Shutting down: the delivery stays pending in the store and resumes on the next start.
      log.debug("webhook attempt not started, shutting down task={}", d.taskId());
    }
  }

  private void finish(DeliveryRecord d, WebhookSender.Outcome outcome) {
    long now = clock.millis();
    int attempt = d.attempts() + 1;
    DeliveryRecord next;
    DeliveryAttemptRecord record;
    switch (outcome) {
      case WebhookSender.Outcome.Delivered ok -> {
        next = d.attempted(DeliveryState.DELIVERED, 0, null, now);
        record = new DeliveryAttemptRecord(d.taskId(), attempt, now, "delivered", "HTTP " + ok.status());
      }
      case WebhookSender.Outcome.Refused refused -> {
        next = d.attempted(DeliveryState.FAILED, 0, refused.reason(), now);
        record = new DeliveryAttemptRecord(d.taskId(), attempt, now, "refused", refused.reason());
      }
      case WebhookSender.Outcome.Failed failed -> {
        next = attempt >= MAX_ATTEMPTS
            ? d.attempted(DeliveryState.FAILED, 0, failed.reason(), now)
            : d.attempted(DeliveryState.PENDING, now + backoffMillis(attempt), failed.reason(), now);
        record = new DeliveryAttemptRecord(d.taskId(), attempt, now, "failed", failed.reason());
      }
    }
    store.recordDeliveryAttempt(next, record);
    switch (next.state()) {
      case DELIVERED -> log.info("webhook delivered task={} event={} attempt={}", d.taskId(), d.eventId(), attempt);
      case FAILED -> log.warn(
          "webhook given up task={} event={} attempts={} reason={}", d.taskId(), d.eventId(), attempt,
          next.lastError());
      case PENDING -> {
        log.info("webhook attempt failed task={} attempt={} reason={} retry_in_ms={}", d.taskId(), attempt,
            next.lastError(), next.nextAttemptAt() - now);
        schedule(next, next.nextAttemptAt() - now);
      }
      case WAITING -> throw new IllegalStateException("an attempted delivery is never waiting");
    }
  }

  /** The wait after {@code attemptsMade} failed attempts: 1 s, 2 s, 4 s, ... */
  static long backoffMillis(int attemptsMade) {
    return FIRST_RETRY_DELAY_MILLIS << (attemptsMade - 1);
  }

  private void schedule(DeliveryRecord d, long delayMillis) {
    timers.put(d.taskId(), clock.schedule(this::onSerial, () -> attempt(d), Math.max(0, delayMillis)));
  }

  /** Runs bookkeeping on the serial thread; after {@link #close} it is dropped (the store has it for the next start). */
  private void onSerial(Runnable work) {
    if (closed) {
      return;
    }
    try {
      serial.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException e) {
          log.error("webhook bookkeeping failed", e);
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("webhook work dropped, shutting down");
    }
  }

  /**
   * Stops delivering. Attempts in flight are abandoned; their deliveries stay pending in the
   * store and resume on the next {@link #start} (the receiver may see an event twice, which its
   * id lets it detect).
   */
  @Override
  public void close() {
    closed = true;
    serial.shutdown();
    network.shutdownNow();
    try {
      if (!serial.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("webhook bookkeeping did not finish within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timers.values().forEach(Clock.Timer::cancel);
    timers.clear();
  }
}
