package dev.shoal.orchestrator.internal.webhooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.events.EventFeed;
import dev.shoal.orchestrator.internal.events.EventFilter;
import dev.shoal.orchestrator.internal.events.EventJson;
import dev.shoal.orchestrator.internal.store.ClientStore;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.SubscriptionRecord;
import dev.shoal.orchestrator.internal.time.Clock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks subscribed to the event log (API.md "Event webhooks"). Each active subscription has a
 * virtual thread that follows the {@link EventFeed} from its stored cursor and posts matching
 * events in order, in batches, signed like task webhooks; a batch is retried with backoff until
 * the receiver takes it, and only then does the cursor move (stored), so a restart resumes where
 * delivery stopped: at least once, in order, each event carrying its {@code seq} for the receiver
 * to drop repeats. A target that becomes forbidden stops the subscription. Thread-safe.
 */
public final class EventSubscriptions implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventSubscriptions.class);
  public static final int MAX_SUBSCRIPTIONS = 100;
  static final int BATCH = 100;
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  /** A filter that skips everything still moves the stored cursor, at most this often. */
  private static final long SKIP_PERSIST_MILLIS = 10_000;
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);
  private static final int MIN_SECRET = 16;
  private static final int MAX_SECRET = 256;

  private final EventFeed feed;
  private final ClientStore store;
  private final WebhookSender sender;
  private final Clock clock;
  private final Duration firstBackoff;
  private final ObjectMapper mapper = new ObjectMapper();
  private final JsonFactory json = new JsonFactory();
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Thread> running = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** {@code firstBackoff} is the wait after a first failed delivery; it doubles up to 5 minutes. */
  public EventSubscriptions(EventFeed feed, ClientStore store, WebhookSender sender, Clock clock, Duration firstBackoff) {
    this.feed = feed;
    this.store = store;
    this.sender = sender;
    this.clock = clock;
    this.firstBackoff = firstBackoff;
  }

  /** Starts delivering to every stored active subscription (after a restart). */
  public EventSubscriptions start() {
    for (SubscriptionRecord r : store.subscriptions()) {
      if (r.active()) {
        run(r);
      }
    }
    return this;
  }

  /**
   * Subscribes {@code url} to the events after {@code after} (null: only events from now on) that
   * match {@code filter}.
   *
   * @throws IllegalArgumentException for a bad secret, a forbidden or malformed target, a cursor
   *     beyond the newest event, or too many subscriptions
   */
  public synchronized SubscriptionRecord create(String url, String secret, EventFilter filter, Long after) {
    if (closed) {
      throw new IllegalStateException("the orchestrator is stopping");
    }
    if (secret == null || secret.length() < MIN_SECRET || secret.length() > MAX_SECRET) {
      throw new IllegalArgumentException("secret must be " + MIN_SECRET + " to " + MAX_SECRET + " characters");
    }
    try {
      sender.policy().check(url);
    } catch (TargetRefusedException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    if (store.subscriptions().size() >= MAX_SUBSCRIPTIONS) {
      throw new IllegalArgumentException("at most " + MAX_SUBSCRIPTIONS + " event subscriptions; delete one first");
    }
    long head = feed.head();
    long cursor = after == null ? head : after;
    if (cursor < 0 || cursor > head) {
      throw new IllegalArgumentException("after must be in 0.." + head + " (the newest event), got " + cursor);
    }
    byte[] id = new byte[12];
    random.nextBytes(id);
    SubscriptionRecord r =
        new SubscriptionRecord(
            "ws_" + HexFormat.of().formatHex(id), url, secret, filterJson(filter), cursor, true, 0, null, clock.millis(), 0);
    store.putSubscription(r);
    log.info("event=subscription_created id={} after={} filter=\"{}\"", r.id(), cursor, filter);
    run(r);
    return r;
  }

  /** Every subscription with its delivery state. */
  public List<SubscriptionRecord> list() {
    return store.subscriptions();
  }

  public Optional<SubscriptionRecord> get(String id) {
    return store.subscriptions().stream().filter(r -> r.id().equals(id)).findFirst();
  }

  /** Stops and forgets a subscription; false if there is none. */
  public synchronized boolean delete(String id) {
    Thread t = running.remove(id);
    if (t != null) {
      t.interrupt();
    }
    return store.deleteSubscription(id);
  }

  /** Stops every delivery; the stored cursors resume them at the next start. */
  @Override
  public synchronized void close() {
    closed = true;
    running.values().forEach(Thread::interrupt);
    running.clear();
  }

  /** The filter as stored and shown: {@code {"types": [...], "service": ..., ...}}, empty parts left out. */
  private ObjectNode filterNode(EventFilter f) {
    ObjectNode o = mapper.createObjectNode();
    f.types().stream().sorted().forEach(o.putArray("types")::add);
    put(o, "service", f.service());
    put(o, "job", f.jobId());
    put(o, "task", f.taskId());
    put(o, "principal", f.principal());
    put(o, "worker", f.worker());
    return o;
  }

  private static void put(ObjectNode o, String name, String value) {
    if (!value.isEmpty()) {
      o.put(name, value);
    }
  }

  private String filterJson(EventFilter f) {
    return filterNode(f).toString();
  }

  /** The stored filter back, through the same validation as a new one. */
  public EventFilter filterOf(SubscriptionRecord r) {
    try {
      JsonNode o = mapper.readTree(r.filter());
      List<String> types = new ArrayList<>();
      o.path("types").forEach(t -> types.add(t.asText()));
      return EventFilter.of(
          types, o.path("service").asText(""), o.path("job").asText(""), o.path("task").asText(""),
          o.path("principal").asText(""), o.path("worker").asText(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void run(SubscriptionRecord r) {
    Thread t = Thread.ofVirtual().name("subscription-" + r.id()).unstarted(() -> deliver(r));
    running.put(r.id(), t);
    t.start();
  }

  private void deliver(SubscriptionRecord start) {
    SubscriptionRecord r = start;
    EventFilter filter = filterOf(r);
    long cursor = r.cursor();
    long persistedAt = clock.millis();
    try {
      while (!Thread.currentThread().isInterrupted()) {
        EventFeed.Page page = feed.next(cursor, filter, BATCH, WAIT_NANOS);
        if (page.events().isEmpty()) {
          cursor = page.cursor();
          if (cursor != r.cursor() && clock.millis() - persistedAt >= SKIP_PERSIST_MILLIS) {
            r = r.delivered(cursor, r.deliveredAt());
            persistedAt = clock.millis();
            if (!store.updateSubscription(r)) {
              return;
            }
          }
          continue;
        }
        r = send(r, page);
        if (r == null || !r.active()) {
          return;
        }
        cursor = r.cursor();
        persistedAt = clock.millis();
      }
    } catch (InterruptedException e) {
      // Deleted, or the orchestrator is stopping.
    } catch (EventFeed.CursorException e) {
      log.warn("event=subscription_stopped id={} reason=\"{}\"", r.id(), e.getMessage());
      store.updateSubscription(r.failed(e.getMessage(), true));
    } catch (RuntimeException e) {
      log.error("event=subscription_failed id={}", r.id(), e);
    } finally {
      running.remove(r.id(), Thread.currentThread());
    }
  }

  /**
   * Posts one batch until the receiver takes it: the record moved past it, stopped (a forbidden
   * target), or null if the subscription was deleted meanwhile.
   */
  private SubscriptionRecord send(SubscriptionRecord r, EventFeed.Page page) throws InterruptedException {
    List<EventRecord> events = page.events();
    byte[] body = body(r.id(), events);
    String deliveryId = r.id() + ":" + events.getFirst().seq() + "-" + events.getLast().seq();
    long backoff = firstBackoff.toMillis();
    while (true) {
      if (Thread.interrupted()) {
        // Deleted or stopping: whoever runs this subscription next sends the batch.
        throw new InterruptedException();
      }
      WebhookSender.Outcome outcome = sender.send(r.url(), deliveryId, clock.millis() / 1000, body, r.secret());
      SubscriptionRecord next =
          switch (outcome) {
            case WebhookSender.Outcome.Delivered d -> r.delivered(page.cursor(), clock.millis());
            case WebhookSender.Outcome.Refused f -> r.failed("refused: " + f.reason(), true);
            case WebhookSender.Outcome.Failed f -> r.failed(f.reason(), false);
          };
      if (!store.updateSubscription(next)) {
        return null;
      }
      if (!(outcome instanceof WebhookSender.Outcome.Failed)) {
        if (!next.active()) {
          log.warn("event=subscription_stopped id={} reason=\"{}\"", r.id(), next.lastError());
        }
        return next;
      }
      log.debug("event=subscription_retry id={} delivery={} failures={} reason=\"{}\"", r.id(), deliveryId, next.failures(), next.lastError());
      r = next;
      Thread.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
    }
  }

  private byte[] body(String id, List<EventRecord> events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("subscription", id);
      g.writeArrayFieldStart("events");
      for (EventRecord e : events) {
        EventJson.write(g, e);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
