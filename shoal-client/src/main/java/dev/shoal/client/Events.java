package dev.shoal.client;

import dev.shoal.client.internal.Sync;

/** The orchestrator's durable event log ({@code GET /v1/events}, API.md "Events"). Thread-safe. */
public final class Events {

  private final AsyncEvents async;

  Events(AsyncEvents async) {
    this.async = async;
  }

  /**
   * Up to {@code limit} (1..1000) events after sequence number {@code after} that match {@code
   * filter}; pass the page's {@code nextAfter} as the next {@code after}. Throws {@link
   * EventsGoneException} when the log no longer reaches back to {@code after}, {@link
   * ConflictException} when {@code after} is beyond its newest event.
   */
  public MeshEvent.Page page(long after, EventFilter filter, int limit) {
    return Sync.await(async.page(after, filter, limit));
  }

  /**
   * Follows the log from after {@code after}: every matching event once, in sequence order, as it
   * becomes durable, across dropped connections and orchestrator restarts (see {@link
   * EventSubscription}). Nothing is sent until the first {@code hasNext()}.
   */
  public EventSubscription follow(long after, EventFilter filter) {
    return new EventSubscription(async.follower(after, filter));
  }
}
