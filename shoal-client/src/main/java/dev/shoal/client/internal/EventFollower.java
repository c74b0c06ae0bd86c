package dev.shoal.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.ConnectionException;
import dev.shoal.client.EventFilter;
import dev.shoal.client.MeshEvent;
import dev.shoal.client.ProtocolException;
import dev.shoal.client.ShoalException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code GET /v1/events} as server-sent events, for as long as the caller wants: when the
 * stream breaks (a dropped connection, an orchestrator restarting, a 503) it reconnects after a
 * capped exponential backoff, asking for the events after the last one it delivered. The
 * orchestrator serves only durable events, densely numbered, so the caller sees every event once:
 * no gap, no duplicate. A connection that falls silent (a peer gone without a word, a NAT that
 * forgot it) is given up after {@link #MAX_SILENCE}: the orchestrator writes at least a keep-alive
 * every 15 s. Failures that waiting cannot cure (a refused key, a bad filter, a cursor the log no
 * longer or never had) end it with their {@link ShoalException}.
 *
 * <p>{@link #next()} is for one thread; {@link #close()} may come from any thread and ends a
 * blocked {@link #next()} at once: it closes the stream, aborts a connection being made and cuts
 * a backoff short.
 */
public final class EventFollower implements EventPublisher.Source<MeshEvent> {

  private static final Logger log = LoggerFactory.getLogger(EventFollower.class);

  /** The first wait after a failure; each further failure in a row doubles it, up to {@link #MAX_BACKOFF}. */
  static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  /** Longest {@code Retry-After} honoured: a longer one is more likely a mistake than advice. */
  static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
  /** Three of the orchestrator's 15 s keep-alives missed: the connection is dead, though no one said so. */
  static final Duration MAX_SILENCE = Duration.ofSeconds(45);
  /** Closes silent streams; one daemon thread for every follower, doing almost nothing. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "shoal-event-watchdog");
            t.setDaemon(true);
            return t;
          });
  /** Events are small records; this only stops a stream that is not the orchestrator's. */
  private static final int MAX_EVENT_BYTES = 1 << 20;
  private static final String WHAT = "GET /v1/events";

  private final Transport transport;
  private final EventFilter filter;
  private final Duration maxSilence;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  /** The last sequence number delivered: where a reconnect resumes. */
  private volatile long cursor;
  private boolean closed;
  private ServerSentEvents stream;
  /** Checks the open stream for silence; cancelled with it. */
  private ScheduledFuture<?> watch;
  /** Set by the watchdog when it cut a silent stream, so the failure says why. */
  private volatile boolean silenced;
  private CompletableFuture<HttpResponse<InputStream>> connecting;
  /** Failures since the last successful connection; the backoff grows with them. */
  private int failures;
  private Duration backoff = Duration.ZERO;
  private boolean ended;

  /** Follows the events after {@code after} that match {@code filter}; nothing is sent until {@link #next()}. */
  public EventFollower(Transport transport, long after, EventFilter filter) {
    this(transport, after, filter, MAX_SILENCE);
  }

  /** As above, giving up a stream after {@code maxSilence} without a byte (tests shorten it). */
  EventFollower(Transport transport, long after, EventFilter filter, Duration maxSilence) {
    if (after < 0) {
      throw new IllegalArgumentException("after must not be negative, got " + after);
    }
    this.transport = transport;
    this.filter = java.util.Objects.requireNonNull(filter, "filter");
    this.cursor = after;
    this.maxSilence = maxSilence;
  }

  /** The query of {@code GET /v1/events} for these events, without {@code ?}. */
  public static String query(long after, EventFilter f) {
    List<String> q = new ArrayList<>();
    q.add("after=" + after);
    f.types().forEach(t -> q.add("type=" + Transport.query(t)));
    add(q, "service", f.service());
    add(q, "job", f.job());
    add(q, "task", f.task());
    add(q, "principal", f.principal());
    add(q, "worker", f.worker());
    return String.join("&", q);
  }

  private static void add(List<String> q, String name, String value) {
    if (!value.isEmpty()) {
      q.add(name + "=" + Transport.query(value));
    }
  }

  /** The sequence number of the last event delivered (the {@code after} given, before the first). */
  public long cursor() {
    return cursor;
  }

  /**
   * The next matching event, waiting as long as it takes and reconnecting as often as needed; null
   * once closed. Throws the {@link ShoalException} of a failure that retrying cannot cure, after
   * which it returns null.
   */
  @Override
  public MeshEvent next() {
    if (ended) {
      return null;
    }
    try {
      while (true) {
        ServerSentEvents s = connected();
        if (s == null) {
          ended = true;
          return null;
        }
        ServerSentEvents.Event e;
        ShoalException broken;
        try {
          e = s.next();
          broken = e == null ? new ConnectionException("the orchestrator ended the event stream", null) : null;
        } catch (IOException cut) {
          e = null;
          broken =
              silenced
                  ? new ConnectionException(
                      "the event stream was silent for " + maxSilence.toSeconds() + " s, keep-alives included", cut)
                  : Errors.transport(WHAT, cut);
        }
        if (broken == null && e.name().equals("error")) {
          broken = streamError(e);
        }
        if (broken != null) {
          release(s);
          if (isClosed()) {
            ended = true;
            return null;
          }
          if (!isTransient(broken)) {
            throw broken;
          }
          pause(broken);
          continue;
        }
        MeshEvent event = decode(e);
        if (event.seq() <= cursor) {
          // Never expected (the orchestrator resumes after the cursor); a duplicate is never passed on.
          continue;
        }
        cursor = event.seq();
        return event;
      }
    } catch (ShoalException e) {
      ended = true;
      close();
      throw e;
    }
  }

  /** The open stream, connecting (and waiting out failures) as needed; null once closed. */
  private ServerSentEvents connected() {
    while (true) {
      HttpRequest req;
      CompletableFuture<HttpResponse<InputStream>> answer;
      lock.lock();
      try {
        if (closed) {
          return null;
        }
        if (stream != null) {
          return stream;
        }
        req =
            transport.request("/v1/events?" + query(cursor, filter)).setHeader("Accept", "text/event-stream").GET().build();
        answer = transport.sendForStream(req);
        connecting = answer;
      } finally {
        lock.unlock();
      }
      InputStream body;
      try {
        body = transport.streamBody(req, answer.get(), "text/event-stream");
      } catch (CancellationException e) {
        return null;
      } catch (InterruptedException e) {
        answer.cancel(true);
        if (isClosed()) {
          return null;
        }
        throw Errors.interrupted(e);
      } catch (ExecutionException | ShoalException e) {
        ShoalException failure = e instanceof ShoalException s ? s : Errors.failure(WHAT, e.getCause());
        if (isClosed()) {
          return null;
        }
        if (!isTransient(failure)) {
          throw failure;
        }
        pause(failure);
        continue;
      }
      lock.lock();
      try {
        connecting = null;
        if (closed) {
          Transport.closeQuietly(body);
          return null;
        }
        if (failures > 0) {
          log.info("event=events_follow_resumed after={} failures={}", cursor, failures);
        }
        failures = 0;
        backoff = Duration.ZERO;
        Watched in = new Watched(body);
        silenced = false;
        stream = new ServerSentEvents(in, MAX_EVENT_BYTES);
        long period = Math.max(1, maxSilence.toNanos() / 4);
        watch = WATCHDOG.scheduleWithFixedDelay(() -> cutIfSilent(in), period, period, TimeUnit.NANOSECONDS);
        return stream;
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Whether waiting may cure {@code e}: the orchestrator unreachable or restarting, a cut
   * connection, a 503 or 429, a 5xx. Not: a key refused, a bad filter, a cursor the log does not
   * have (409, 410), an answer that is not the API's.
   */
  static boolean isTransient(ShoalException e) {
    return e instanceof ConnectionException
        || e.retryable()
        || (e.status() >= 500 && !(e instanceof ProtocolException));
  }

  /** Waits before the next try: the backoff, or the server's {@code Retry-After} when longer. */
  private void pause(ShoalException why) {
    Duration wait;
    lock.lock();
    try {
      failures++;
      backoff = backoff.isZero() ? FIRST_BACKOFF : min(backoff.multipliedBy(2), MAX_BACKOFF);
      wait = why.retryAfter().map(r -> min(r, MAX_RETRY_AFTER)).filter(r -> r.compareTo(backoff) > 0).orElse(backoff);
    } finally {
      lock.unlock();
    }
    if (failures == 1) {
      log.info("event=events_follow_retrying after={} wait_ms={} reason=\"{}\"", cursor, wait.toMillis(), why.getMessage());
    } else {
      log.debug("event=events_follow_retrying after={} failures={} wait_ms={} reason=\"{}\"", cursor, failures,
          wait.toMillis(), why.getMessage());
    }
    long deadline = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      long left;
      while (!closed && (left = deadline - System.nanoTime()) > 0) {
        wake.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      if (!closed) {
        throw Errors.interrupted(e);
      }
    } finally {
      lock.unlock();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** An {@code error} event: the orchestrator could not go on (its cursor was dropped, say). */
  private ShoalException streamError(ServerSentEvents.Event e) {
    JsonNode error = json(e).path("error");
    if (!error.path("code").isTextual()) {
      return new ProtocolException(200, "an error event of " + WHAT + " has no code", null);
    }
    String code = error.path("code").textValue();
    return Errors.of(code, Errors.statusFor(code), error.path("message").asText(""), null, null);
  }

  private MeshEvent decode(ServerSentEvents.Event e) {
    try {
      return Decoding.meshEvent(json(e));
    } catch (ProtocolException bad) {
      throw new ProtocolException(200, "a malformed '" + e.name() + "' event of " + WHAT + ": " + bad.getMessage(), bad);
    }
  }

  private JsonNode json(ServerSentEvents.Event e) {
    JsonNode d;
    try {
      d = transport.mapper().readTree(e.data());
    } catch (IOException bad) {
      throw new ProtocolException(200, "a '" + e.name() + "' event of " + WHAT + " is not JSON", bad);
    }
    if (d == null || !d.isObject()) {
      throw new ProtocolException(200, "a '" + e.name() + "' event of " + WHAT + " is not a JSON object", null);
    }
    return d;
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Closes {@code in} when nothing came through it for {@link #maxSilence}: the blocked read then fails. */
  private void cutIfSilent(Watched in) {
    if (System.nanoTime() - in.lastRead > maxSilence.toNanos()) {
      silenced = true;
      Transport.closeQuietly(in);
    }
  }

  /** Drops a broken stream so that the next try connects again. */
  private void release(ServerSentEvents s) {
    lock.lock();
    try {
      if (stream == s) {
        stream = null;
        unwatch();
      }
    } finally {
      lock.unlock();
    }
    closeQuietly(s);
  }

  /** Ends the following, from any thread: a blocked {@link #next()} returns null. */
  @Override
  public void close() {
    ServerSentEvents s;
    CompletableFuture<HttpResponse<InputStream>> c;
    lock.lock();
    try {
      closed = true;
      s = stream;
      stream = null;
      unwatch();
      c = connecting;
      connecting = null;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    if (c != null) {
      c.cancel(true);
    }
    if (s != null) {
      closeQuietly(s);
    }
  }

  /** Under the lock. */
  private void unwatch() {
    if (watch != null) {
      watch.cancel(false);
      watch = null;
    }
  }

  /** The response body, noting when a read last returned: keep-alives count, though no event comes of them. */
  private static final class Watched extends FilterInputStream {
    volatile long lastRead = System.nanoTime();

    Watched(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      lastRead = System.nanoTime();
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      lastRead = System.nanoTime();
      return n;
    }
  }

  private static void closeQuietly(ServerSentEvents s) {
    try {
      s.close();
    } catch (IOException e) {
      // Releasing the connection only.
    }
  }
}
