package dev.shoal.orchestrator.internal.events;

import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The event log as followers read it: only what is committed, in sequence order, from any point.
 * The store's committer hands each committed batch to {@link #committed}; the newest events stay
 * in a ring so followers close to the head never touch the store, and a follower that is further
 * behind (or resumes after a restart) reads its pages from the store. Because followers see an
 * event only once it is durable, and sequence numbers are dense and committed in order, a follower
 * that resumes after the last sequence number it saw gets no gap and no duplicate. Thread-safe.
 */
public final class EventFeed {

  /** Most events scanned by one {@link #next} call, so a narrow filter cannot hold a thread long. */
  static final int MAX_SCAN = 4096;

  private final StateStore store;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  /** The newest committed events: {@code ring[(seq - 1) % ring.length]} holds {@code seq}. */
  private final EventRecord[] ring;
  /** The lowest sequence number in the ring (0 when empty), and the highest committed. */
  private long ringFirst;
  private long head;
  private int waiting;

  /** Follows {@code store}'s events; the newest {@code ringSize} are kept in memory. */
  public EventFeed(StateStore store, int ringSize) {
    if (ringSize < 1) {
      throw new IllegalArgumentException("ringSize must be positive, got " + ringSize);
    }
    this.store = store;
    this.ring = new EventRecord[ringSize];
    this.head = store.lastEventSeq();
  }

  /** One page for a follower: the matching events, and the sequence number to continue after. */
  public record Page(List<EventRecord> events, long cursor) {}

  /** The follower asked for events after a point this log no longer (or never) had. */
  public static final class CursorException extends Exception {
    private final boolean gone;

    CursorException(String message, boolean gone) {
      super(message);
      this.gone = gone;
    }

    /** True when the events were dropped (too old); false when the cursor is beyond the head. */
    public boolean gone() {
      return gone;
    }
  }

  /**
   * Called by the committer after each batch is durable, on its thread: makes the batch's events
   * visible and wakes followers. Cheap when nobody follows: a scan of the batch.
   */
  public void committed(List<StoreWrite> batch) {
    int first = -1;
    for (int i = 0; i < batch.size() && first < 0; i++) {
      if (batch.get(i) instanceof StoreWrite.AppendEvent) {
        first = i;
      }
    }
    if (first < 0) {
      return;
    }
    // No list of its own: this runs on every commit, on the gateway's request path too.
    lock.lock();
    try {
      for (int i = first; i < batch.size(); i++) {
        if (batch.get(i) instanceof StoreWrite.AppendEvent a) {
          add(a.event());
        }
      }
      if (waiting > 0) {
        arrived.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Puts one committed event in the ring; under the lock. */
  private void add(EventRecord e) {
    if (e.seq() != head + 1 || ringFirst == 0) {
      // First event, or (never expected) a gap: the ring restarts here.
      if (e.seq() != head + 1) {
        java.util.Arrays.fill(ring, null);
      }
      ringFirst = e.seq();
    }
    ring[slot(e.seq())] = e;
    head = e.seq();
    if (head - ringFirst >= ring.length) {
      ringFirst = head - ring.length + 1;
    }
  }

  /** The highest committed sequence number (0 when there is none). */
  public long head() {
    lock.lock();
    try {
      return head;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Up to {@code limit} events after {@code after} that match {@code filter}, waiting up to
   * {@code waitNanos} for one to be committed if there is none yet. The page's cursor is the last
   * sequence number looked at (matching or not): pass it as the next {@code after}. An empty page
   * with an unchanged cursor means nothing new arrived in time.
   *
   * @throws CursorException if events after {@code after} were dropped, or {@code after} is
   *     beyond the newest event (an orchestrator without a data directory restarted)
   */
  public Page next(long after, EventFilter filter, int limit, long waitNanos)
      throws InterruptedException, CursorException {
    if (after < 0 || limit < 1) {
      throw new IllegalArgumentException("after must be >= 0 and limit >= 1");
    }
    if (Thread.interrupted()) {
      // Even with events at hand: a follower being stopped must not take another page.
      throw new InterruptedException();
    }
    long deadline = System.nanoTime() + Math.max(0, waitNanos);
    long until;
    lock.lock();
    try {
      while (head <= after) {
        if (after > head) {
          throw new CursorException(
              "after=" + after + " is beyond the newest event (" + head + "): this orchestrator's event log"
                  + " started again (one without a data directory forgets its events when it restarts)",
              false);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return new Page(List.of(), after);
        }
        waiting++;
        try {
          arrived.awaitNanos(left);
        } finally {
          waiting--;
        }
      }
      if (ringFirst != 0 && after + 1 >= ringFirst) {
        return scanRing(after, filter, limit);
      }
      until = head;
    } finally {
      lock.unlock();
    }
    return scanStore(after, until, filter, limit);
  }

  private Page scanRing(long after, EventFilter filter, int limit) {
    List<EventRecord> out = new ArrayList<>(Math.min(limit, 64));
    long seq = after;
    long last = Math.min(head, after + MAX_SCAN);
    while (seq < last && out.size() < limit) {
      seq++;
      EventRecord e = ring[slot(seq)];
      if (filter.matches(e)) {
        out.add(e);
      }
    }
    return new Page(out, seq);
  }

  /**
   * A follower behind the ring: pages from the store, outside the lock, up to {@code until} (the
   * store may already hold a batch this feed has not been told of; it comes through the ring).
   */
  private Page scanStore(long after, long until, EventFilter filter, int limit) throws CursorException {
    long first = store.firstEventSeq();
    if (first > after + 1) {
      throw new CursorException(
          "events " + (after + 1) + " to " + (first - 1) + " were dropped (this orchestrator keeps events from " + first
              + "); resume from after=" + (first - 1) + " or later",
          true);
    }
    List<EventRecord> out = new ArrayList<>();
    long cursor = after;
    int scanned = 0;
    while (out.size() < limit && scanned < MAX_SCAN && cursor < until) {
      List<EventRecord> page = store.events(cursor, Math.min(512, MAX_SCAN - scanned));
      if (page.isEmpty()) {
        break;
      }
      for (EventRecord e : page) {
        if (e.seq() > until) {
          break;
        }
        cursor = e.seq();
        scanned++;
        if (filter.matches(e)) {
          out.add(e);
          if (out.size() == limit) {
            break;
          }
        }
      }
    }
    return new Page(out, cursor);
  }

  private int slot(long seq) {
    return (int) ((seq - 1) % ring.length);
  }

  /** For tests: waits until {@code seq} is committed, or the timeout passes. */
  boolean awaitHead(long seq, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    lock.lock();
    try {
      while (head < seq) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        waiting++;
        try {
          arrived.awaitNanos(left);
        } finally {
          waiting--;
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
