package dev.shoal.orchestrator.internal.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a {@link StateStore}: callers append writes without waiting, and one thread
 * commits whatever has accumulated as a single batch (group commit), so a burst of state changes
 * costs one fsync, not one each. {@link #barrier()} completes once everything appended before it
 * is durable: that is when a submission may be acknowledged. Thread-safe.
 *
 * <p>A store with nothing to make durable (memory) is committed {@linkplain #inline inline}
 * instead, on the appending thread: a writer thread would only add a wake-up to every change.
 */
public final class GroupCommitter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final int MAX_BATCH = 20_000;

  private final StateStore store;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition hasWork = lock.newCondition();
  private List<StoreWrite> pending = new ArrayList<>();
  /** Waiters in the order they asked, each with the count of writes it waits for. */
  private final java.util.ArrayDeque<Waiter> waiters = new java.util.ArrayDeque<>();
  /** Writes ever appended, and ever committed: a barrier waits for the first to reach the second. */
  private long appended;
  private long committed;
  /** The writer is running callbacks of a commit: later barriers must queue behind them. */
  private boolean notifying;
  private record Waiter(long target, CompletableFuture<Void> future, Runnable action) {}

  /** Null when committing inline. */
  private final Thread thread;
  /** Inline mode: keeps batches in order when several threads append at once. */
  private final ReentrantLock commitLock = new ReentrantLock();
  private volatile boolean closed;
  private volatile Throwable failure;
  private long batches;
  private long writes;
  /** Told of every committed batch before its waiters: the event feed. */
  private volatile java.util.function.Consumer<List<StoreWrite>> listener = batch -> {};

  /** Commits on a writer thread of its own, in groups. */
  public GroupCommitter(StateStore store) {
    this(store, false);
  }

  private GroupCommitter(StateStore store, boolean inline) {
    this.store = store;
    if (inline) {
      this.thread = null;
    } else {
      this.thread = Thread.ofPlatform().name("shoal-store-writer").daemon(true).unstarted(this::run);
      thread.start();
    }
  }

  /**
   * Commits each append before it returns, on the caller's thread: for a store whose writes cost
   * no I/O, where grouping saves nothing. Barriers are then complete as soon as they are asked.
   */
  public static GroupCommitter inline(StateStore store) {
    return new GroupCommitter(store, true);
  }

  /** Queues one write; it becomes durable with the next batch. */
  public void append(StoreWrite write) {
    lock.lock();
    try {
      checkOpen();
      pending.add(write);
      appended++;
      if (pending.size() == 1 && thread != null) {
        hasWork.signal();
      }
    } finally {
      lock.unlock();
    }
    if (thread == null) {
      commitInline();
    }
  }

  /** Queues writes in order, under one lock acquisition. */
  public void appendAll(List<StoreWrite> batch) {
    lock.lock();
    try {
      checkOpen();
      boolean wasEmpty = pending.isEmpty();
      pending.addAll(batch);
      appended += batch.size();
      if (wasEmpty && thread != null) {
        hasWork.signal();
      }
    } finally {
      lock.unlock();
    }
    if (thread == null) {
      commitInline();
    }
  }

  /** Commits what is pending now, in append order. */
  private void commitInline() {
    commitLock.lock();
    try {
      List<StoreWrite> batch;
      lock.lock();
      try {
        if (pending.isEmpty() || failure != null) {
          return;
        }
        batch = pending;
        pending = new ArrayList<>();
      } finally {
        lock.unlock();
      }
      commit(batch);
    } finally {
      commitLock.unlock();
    }
  }

  /**
   * Completes when every write appended before this call has been committed (or fails with the
   * store's error). Writes appended later do not hold it back.
   */
  public CompletableFuture<Void> barrier() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    lock.lock();
    try {
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      if (committed >= appended && waiters.isEmpty() && !notifying) {
        f.complete(null);
        return f;
      }
      waiters.add(new Waiter(appended, f, null));
    } finally {
      lock.unlock();
    }
    return f;
  }

  /**
   * Runs {@code action} on the committing thread once every write appended so far is committed, or
   * drops it if the store fails. Cheaper than {@link #barrier()} for fire-and-forget follow-ups.
   */
  public void afterCommit(Runnable action) {
    lock.lock();
    try {
      if (failure != null) {
        return;
      }
      if (committed < appended || !waiters.isEmpty() || notifying) {
        waiters.add(new Waiter(appended, null, action));
        return;
      }
    } finally {
      lock.unlock();
    }
    action.run();
  }

  /**
   * Hands every batch, once committed, to {@code listener} on the committing thread, before any
   * barrier or callback waiting for it runs. One listener; it must be quick and must not append.
   */
  public void onCommit(java.util.function.Consumer<List<StoreWrite>> listener) {
    this.listener = java.util.Objects.requireNonNull(listener);
  }

  private void checkOpen() {
    if (failure != null) {
      throw new StoreException("store writer has failed: " + failure.getMessage(), failure);
    }
    if (closed) {
      throw new StoreException("store writer is closed");
    }
  }

  private void run() {
    while (true) {
      List<StoreWrite> batch;
      lock.lock();
      try {
        while (pending.isEmpty() && !closed) {
          hasWork.awaitUninterruptibly();
        }
        if (pending.isEmpty()) {
          return;
        }
        if (pending.size() <= MAX_BATCH) {
          batch = pending;
          pending = new ArrayList<>();
        } else {
          // Very large bursts commit in slices, each its own transaction.
          batch = new ArrayList<>(pending.subList(0, MAX_BATCH));
          pending = new ArrayList<>(pending.subList(MAX_BATCH, pending.size()));
        }
      } finally {
        lock.unlock();
      }
      if (!commit(batch)) {
        return;
      }
    }
  }

  /** Applies one batch and releases its waiters; false if the store failed (nothing more is taken). */
  private boolean commit(List<StoreWrite> batch) {
    try {
      store.apply(batch);
    } catch (RuntimeException e) {
      // A failed commit leaves state we can no longer vouch for: stop acknowledging anything.
      log.error("event=store_write_failed store=\"{}\" writes={}", store.describe(), batch.size(), e);
      List<Waiter> failed;
      lock.lock();
      try {
        failure = e;
        failed = new ArrayList<>(waiters);
        waiters.clear();
        pending.clear();
      } finally {
        lock.unlock();
      }
      failed.forEach(w -> {
        if (w.future() != null) {
          w.future().completeExceptionally(e);
        }
      });
      return false;
    }
    lock.lock();
    try {
      committed += batch.size();
      batches++;
      writes += batch.size();
    } finally {
      lock.unlock();
    }
    try {
      listener.accept(batch);
    } catch (RuntimeException e) {
      log.error("event=commit_listener_failed writes={}", batch.size(), e);
    }
    notifyDone();
    return true;
  }

  /**
   * Runs, in order and outside the lock, every waiter whose writes are now committed, including
   * ones that queued behind a running callback: a barrier never overtakes an earlier callback.
   */
  private void notifyDone() {
    while (true) {
      List<Waiter> done = new ArrayList<>();
      lock.lock();
      try {
        while (!waiters.isEmpty() && waiters.peekFirst().target() <= committed) {
          done.add(waiters.pollFirst());
        }
        notifying = !done.isEmpty();
        if (!notifying) {
          return;
        }
      } finally {
        lock.unlock();
      }
      for (Waiter w : done) {
        if (w.future() != null) {
          w.future().complete(null);
        } else {
          w.action().run();
        }
      }
    }
  }

  /** Number of batches and writes committed so far (for metrics and benchmarks). */
  public long[] stats() {
    return new long[] {batches, writes};
  }

  public boolean isHealthy() {
    return failure == null;
  }

  /** Commits what is queued, then stops the writer. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      hasWork.signal();
    } finally {
      lock.unlock();
    }
    if (thread == null) {
      return;
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
