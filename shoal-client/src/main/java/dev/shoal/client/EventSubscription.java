package dev.shoal.client;

import dev.shoal.client.internal.EventFollower;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A follower of the event log: an iterator that never ends by itself. {@link #hasNext()} blocks
 * until the next matching event is durable. When the connection breaks, falls silent (45 s without
 * even a keep-alive) or the orchestrator restarts, it reconnects (backoff from 100 ms doubling to 5 s, for as long as it takes) and
 * resumes after the last event it delivered, so every event comes once, in sequence order.
 *
 * <p>Iteration ends by {@link #close()}, which may come from another thread and makes a blocked
 * {@code hasNext()} return false at once; or by a failure that retrying cannot cure, thrown from
 * {@code hasNext()}: {@link EventsGoneException} (the log no longer reaches back to the cursor),
 * {@link ConflictException} (the cursor is beyond the log: an orchestrator without a data
 * directory restarted), {@link InvalidArgumentException} (the filter), {@link
 * UnauthenticatedException} or {@link PermissionDeniedException}. Use it in a try-with-resources;
 * iterate it from one thread.
 */
public final class EventSubscription implements Iterator<MeshEvent>, AutoCloseable {

  private final EventFollower follower;
  private MeshEvent next;
  private boolean done;
  private long lastSeq;

  EventSubscription(EventFollower follower) {
    this.follower = follower;
    this.lastSeq = follower.cursor();
  }

  @Override
  public boolean hasNext() {
    if (next == null && !done) {
      next = follower.next();
      done = next == null;
    }
    return next != null;
  }

  @Override
  public MeshEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the subscription is closed");
    }
    MeshEvent e = next;
    next = null;
    lastSeq = e.seq();
    return e;
  }

  /**
   * The sequence number of the last event {@link #next()} returned (the starting {@code after}
   * before any): keep it to resume later, elsewhere, with {@code follow(lastSeq(), filter)}.
   */
  public long lastSeq() {
    return lastSeq;
  }

  /** The events as a sequential stream that ends when this subscription does; closing the stream closes it. */
  public Stream<MeshEvent> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .onClose(this::close);
  }

  /** Stops following and releases the connection, from any thread; iteration then ends. */
  @Override
  public void close() {
    follower.close();
  }
}
