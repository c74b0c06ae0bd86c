package dev.shoal.orchestrator.internal.core;

import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Records a change that is not about jobs (a principal, a delegation) in the core's one order:
 * its writes go into the same journal as everything else, and its events get the next numbers of
 * the one global sequence, so the event log never interleaves them out of order.
 */
public interface Journal {

  /** What a change returns, writes and says. Events are numbered and stamped when recorded. */
  record Entry<T>(T value, List<StoreWrite> writes, List<EventRecord> events) {}

  /** Takes no change: for an API without a core behind it (tests, embedded use). */
  Journal REFUSING =
      new Journal() {
        @Override
        public <T> CompletableFuture<T> record(Supplier<Entry<T>> change) {
          return CompletableFuture.failedFuture(new IllegalStateException("this API records no changes"));
        }
      };

  /**
   * Runs {@code change} in the core's order; completes with its value once its writes are
   * durable, or with whatever it threw (then nothing was written).
   */
  <T> CompletableFuture<T> record(Supplier<Entry<T>> change);
}
