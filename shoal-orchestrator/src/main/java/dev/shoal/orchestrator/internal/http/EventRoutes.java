package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.shoal.orchestrator.internal.events.EventFeed;
import dev.shoal.orchestrator.internal.events.EventJson;
import dev.shoal.orchestrator.internal.events.EventFilter;
import dev.shoal.orchestrator.internal.store.EventRecord;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/events} (API.md "Events"): the event log from a sequence number on, filtered; a
 * page of JSON, or followed as server-sent events whose {@code id} is the sequence number, so a
 * client (or a browser's {@code EventSource}, through {@code Last-Event-ID}) resumes where it
 * left off. Each follower waits on a virtual thread of its own, as the gRPC subscribers do
 * ({@code EventStreamService}), not on a request thread; every commit wakes every follower near
 * the head, so followers are still capped.
 */
final class EventRoutes {

  private static final Logger log = LoggerFactory.getLogger(EventRoutes.class);
  /** Followers at once; more get 503 with Retry-After. Each commit wakes each of them. */
  static final int MAX_FOLLOWERS = 1024;
  /** A comment line this often keeps proxies from closing a quiet stream, and finds gone clients. */
  private static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);
  /** Longest a JSON page waits for a first event ({@code wait} seconds). */
  private static final int MAX_WAIT_SECONDS = 30;
  private static final int SSE_BATCH = 256;

  private final EventFeed feed;
  private final JsonFactory json = new JsonFactory();
  private final Semaphore followers = new Semaphore(MAX_FOLLOWERS);
  /** The threads following now: a stop wakes them instead of waiting out their keep-alive. */
  private final java.util.Set<Thread> following = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  EventRoutes(EventFeed feed) {
    this.feed = feed;
  }

  /** {@code GET /v1/events}: a page, or (Accept: text/event-stream) a stream that never ends by itself. */
  void events(Context ctx) throws Exception {
    EventFilter filter = filter(ctx);
    long after = after(ctx);
    String accept = ctx.header("Accept");
    if (accept != null && accept.contains("text/event-stream")) {
      follow(ctx, after, filter);
    } else {
      page(ctx, after, filter);
    }
  }

  private void page(Context ctx, long after, EventFilter filter) throws InterruptedException {
    int limit = HttpApi.limit(ctx.queryParam("limit"));
    long waitSeconds = HttpApi.nonNegative(ctx.queryParam("wait"), "wait");
    if (waitSeconds > MAX_WAIT_SECONDS) {
      throw ApiException.invalidArgument("wait must be at most " + MAX_WAIT_SECONDS + " seconds, got " + waitSeconds);
    }
    EventFeed.Page page = next(after, filter, limit, TimeUnit.SECONDS.toNanos(waitSeconds));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("events");
      for (EventRecord e : page.events()) {
        EventJson.write(g, e);
      }
      g.writeEndArray();
      g.writeNumberField("next_after", page.cursor());
      g.writeNumberField("head", feed.head());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ctx.status(200).contentType("application/json").result(out.toByteArray());
  }

  /**
   * Checks the cursor and filter on the request's thread (a bad one is an ordinary error
   * response), then hands the response to a virtual thread of its own: a quiet follower waits
   * without holding one of the server's request threads.
   */
  private void follow(Context ctx, long after, EventFilter filter) {
    if (closed) {
      throw ApiException.unavailable("the orchestrator is stopping", 5);
    }
    if (!followers.tryAcquire()) {
      throw ApiException.unavailable("this orchestrator already serves " + MAX_FOLLOWERS + " event followers", 5);
    }
    boolean handedOver = false;
    try {
      EventFeed.Page first = next(after, filter, SSE_BATCH, 0);
      ctx.skipRemainingHandlers();
      ctx.future(() -> {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t =
            Thread.ofVirtual().name("events-follower").unstarted(() -> {
              try {
                stream(ctx, first, filter);
              } finally {
                following.remove(Thread.currentThread());
                followers.release();
                done.complete(null);
              }
            });
        following.add(t);
        t.start();
        if (closed) {
          t.interrupt();
        }
        return done;
      });
      handedOver = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiException.unavailable("the orchestrator is stopping", 5);
    } finally {
      if (!handedOver) {
        followers.release();
      }
    }
  }

  /** A follower's loop, on its own virtual thread: pages as they are committed, a comment when quiet. */
  private void stream(Context ctx, EventFeed.Page first, EventFilter filter) {
    long cursor = first.cursor();
    SseStream sse = null;
    try {
      EventFeed.Page page = first;
      sse = new SseStream(ctx);
      long lastWrite = System.nanoTime();
      while (true) {
        for (EventRecord e : page.events()) {
          sse.event(e.seq(), e.type(), render(e));
        }
        if (!page.events().isEmpty()) {
          sse.flush();
          lastWrite = System.nanoTime();
        } else if (System.nanoTime() - lastWrite >= KEEPALIVE_NANOS) {
          // A bare id moves a client's Last-Event-ID past events its filter skipped.
          sse.comment("keep-alive");
          sse.id(page.cursor());
          sse.flush();
          lastWrite = System.nanoTime();
        }
        cursor = page.cursor();
        page = next(cursor, filter, SSE_BATCH, KEEPALIVE_NANOS);
      }
    } catch (InterruptedException stopping) {
      log.debug("event=event_follower_stopped after={}", cursor);
    } catch (IOException gone) {
      log.debug("event=event_follower_left after={} filter=\"{}\" reason=\"{}\"", cursor, filter, gone.getMessage());
    } catch (ApiException late) {
      // The stream is open: an error can only be said as an event.
      try {
        if (sse != null) {
          sse.event(0, "error", errorJson(late));
          sse.flush();
        }
      } catch (IOException ignored) {
        // The client left too.
      }
    } catch (RuntimeException e) {
      // Jetty reports a connection it gave up on this way too; either way this follower is over.
      log.debug("event=event_follower_ended after={} reason=\"{}\"", cursor, e.toString());
    }
  }

  /** Ends every follow: their streams close, and clients resume elsewhere or after a restart. */
  void close() {
    closed = true;
    List<Thread> stopping = List.copyOf(following);
    stopping.forEach(Thread::interrupt);
    // Briefly: a stream ended before the server stops closes cleanly instead of being cut.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      for (Thread t : stopping) {
        t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private EventFeed.Page next(long after, EventFilter filter, int limit, long waitNanos) throws InterruptedException {
    try {
      return feed.next(after, filter, limit, waitNanos);
    } catch (EventFeed.CursorException e) {
      throw e.gone()
          ? new ApiException(ApiException.Code.EVENTS_GONE, e.getMessage())
          : ApiException.conflict(e.getMessage());
    }
  }

  private static long after(Context ctx) {
    String after = ctx.queryParam("after");
    if (after == null || after.isEmpty()) {
      // A reconnecting EventSource sends the last id it saw.
      return HttpApi.nonNegative(ctx.header("Last-Event-ID"), "Last-Event-ID");
    }
    return HttpApi.nonNegative(after, "after");
  }

  private static EventFilter filter(Context ctx) {
    List<String> types = new ArrayList<>();
    for (String t : ctx.queryParams("type")) {
      for (String part : t.split(",", -1)) {
        if (!part.isBlank()) {
          types.add(part.strip());
        }
      }
    }
    try {
      return EventFilter.of(
          types, ctx.queryParam("service"), ctx.queryParam("job"), ctx.queryParam("task"), ctx.queryParam("principal"),
          ctx.queryParam("worker"));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
  }

  private byte[] render(EventRecord e) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      EventJson.write(g, e);
    }
    return out.toByteArray();
  }

  private byte[] errorJson(ApiException e) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("code", e.code().wireName());
      g.writeStringField("message", e.getMessage());
      g.writeEndObject();
      g.writeEndObject();
    }
    return out.toByteArray();
  }
}
