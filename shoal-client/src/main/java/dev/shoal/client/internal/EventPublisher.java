package dev.shoal.client.internal;

import dev.shoal.client.ShoalException;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A cold {@link Flow.Publisher} over a blocking source of events: each subscription opens its own
 * source (for a task stream: sends the request) once the subscriber first asks for an item, then
 * reads one item per unit of demand on its own virtual thread, so nothing is read ahead of demand.
 * Cancelling closes the source at once (releasing the connection) and interrupts a read blocked
 * on it. Failures reach {@code onError} as {@link ShoalException}s.
 */
public final class EventPublisher<T> implements Flow.Publisher<T> {

  /** Where items come from: {@code next()} blocks, returns null at the end, throws {@link ShoalException}. */
  public interface Source<T> extends AutoCloseable {
    T next();

    @Override
    void close();
  }

  private final Supplier<? extends Source<T>> opener;

  public EventPublisher(Supplier<? extends Source<T>> opener) {
    this.opener = opener;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    Subscription<T> s = new Subscription<>(opener, subscriber);
    subscriber.onSubscribe(s);
    s.thread = Thread.ofVirtual().name("shoal-event-stream").start(s::run);
  }

  private static final class Subscription<T> implements Flow.Subscription {
    private final Supplier<? extends Source<T>> opener;
    private final Flow.Subscriber<? super T> subscriber;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long demand;
    private boolean cancelled;
    /** The first non-positive request, if any: a rule violation to report (§3.9). */
    private Long badRequest;
    private Source<T> source;
    private volatile Thread thread;

    Subscription(Supplier<? extends Source<T>> opener, Flow.Subscriber<? super T> subscriber) {
      this.opener = opener;
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      lock.lock();
      try {
        if (n <= 0) {
          badRequest = badRequest == null ? n : badRequest;
        } else {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void cancel() {
      Source<T> open;
      lock.lock();
      try {
        if (cancelled) {
          return;
        }
        cancelled = true;
        open = source;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (open != null) {
        open.close();
      }
      Thread t = thread;
      if (t != null && t != Thread.currentThread()) {
        t.interrupt();
      }
    }

    void run() {
      Source<T> s = null;
      try {
        if (!awaitDemand()) {
          return;
        }
        s = opener.get();
        lock.lock();
        try {
          if (cancelled) {
            return;
          }
          source = s;
        } finally {
          lock.unlock();
        }
        while (awaitDemand()) {
          T item = s.next();
          if (isCancelled()) {
            return;
          }
          if (item == null) {
            deliver(null);
            return;
          }
          lock.lock();
          try {
            demand--;
          } finally {
            lock.unlock();
          }
          deliver(item);
        }
      } catch (SubscriberFailed e) {
        // A subscriber that throws breaks the rules (§2.13): its subscription is void.
        cancel();
      } catch (RuntimeException e) {
        if (!isCancelled()) {
          ShoalException failure =
              e instanceof ShoalException se
                  ? se
                  : new ShoalException("internal", 0, "the event stream failed: " + e, false, null, e);
          try {
            subscriber.onError(failure);
          } catch (RuntimeException ignored) {
            // The stream is over either way; a throwing onError cannot be told anything more.
          }
        }
      } finally {
        if (s != null) {
          s.close();
        }
      }
    }

    /** Signals an item, or completion for null, telling the subscriber's own failures apart from the source's. */
    private void deliver(T item) {
      try {
        if (item == null) {
          subscriber.onComplete();
        } else {
          subscriber.onNext(item);
        }
      } catch (RuntimeException e) {
        throw new SubscriberFailed(e);
      }
    }

    private static final class SubscriberFailed extends RuntimeException {
      SubscriberFailed(RuntimeException cause) {
        super(cause);
      }
    }

    /** Waits for demand; false when cancelled or after signalling an illegal request (§3.9). */
    private boolean awaitDemand() {
      Long bad;
      lock.lock();
      try {
        while (demand == 0 && !cancelled && badRequest == null) {
          changed.await();
        }
        if (cancelled) {
          return false;
        }
        bad = badRequest;
        if (bad != null) {
          cancelled = true;
        }
      } catch (InterruptedException e) {
        // Only cancel() interrupts this thread.
        return false;
      } finally {
        lock.unlock();
      }
      if (bad != null) {
        subscriber.onError(new IllegalArgumentException("request(" + bad + "): demand must be positive (rule 3.9)"));
        return false;
      }
      return true;
    }

    private boolean isCancelled() {
      lock.lock();
      try {
        return cancelled;
      } finally {
        lock.unlock();
      }
    }
  }
}
