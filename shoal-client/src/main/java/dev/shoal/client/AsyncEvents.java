package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.EventFollower;
import dev.shoal.client.internal.EventPublisher;
import dev.shoal.client.internal.Transport;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The orchestrator's durable event log ({@code GET /v1/events}, API.md "Events"), asynchronously:
 * pages, or a publisher that follows the log for as long as it is subscribed. Thread-safe.
 */
public final class AsyncEvents {

  private final Transport transport;

  AsyncEvents(Transport transport) {
    this.transport = transport;
  }

  /**
   * Up to {@code limit} (1..1000) events after sequence number {@code after} that match {@code
   * filter}; pass the page's {@code nextAfter} as the next {@code after}. Fails with {@link
   * EventsGoneException} when the log no longer reaches back to {@code after}, {@link
   * ConflictException} when {@code after} is beyond its newest event.
   */
  public CompletableFuture<MeshEvent.Page> page(long after, EventFilter filter, int limit) {
    Objects.requireNonNull(filter, "filter");
    return transport.call(
        transport.get("/v1/events?" + EventFollower.query(after, filter) + "&limit=" + limit), Decoding::eventPage);
  }

  /**
   * Every event after {@code after} that matches {@code filter}, as it becomes durable, for as long
   * as the subscription lasts: nothing is read ahead of demand, and a broken connection or an
   * orchestrator restart is ridden out by reconnecting (backoff from 100 ms to 5 s) after the last
   * event delivered, so no event is missed or delivered twice. Only what retrying cannot cure
   * reaches {@code onError}: {@link EventsGoneException}, {@link ConflictException}, {@link
   * InvalidArgumentException}, {@link UnauthenticatedException}, {@link PermissionDeniedException}
   * and the like. Each subscription follows on its own; {@code cancel} closes its connection.
   */
  public Flow.Publisher<MeshEvent> follow(long after, EventFilter filter) {
    follower(after, filter); // checks the arguments now, not on a subscriber's thread
    return new EventPublisher<>(() -> follower(after, filter));
  }

  /** A follower of the events after {@code after}; it connects on its first {@code next()}. */
  EventFollower follower(long after, EventFilter filter) {
    return new EventFollower(transport, after, Objects.requireNonNull(filter, "filter"));
  }
}
