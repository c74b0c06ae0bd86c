package dev.shoal.orchestrator.internal.principals;

import dev.shoal.orchestrator.internal.core.Journal;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The core's journal reduced to what the directory relies on: changes run one at a time, their
 * writes reach a store and their events get the next numbers. Not a double of something outside
 * Shoal: the real one is exercised end to end in {@code PrincipalsTest}.
 */
final class InlineJournal implements Journal {

  final MemoryStore store = new MemoryStore();
  final List<EventRecord> events = new ArrayList<>();
  private long seq;

  @Override
  public synchronized <T> CompletableFuture<T> record(Supplier<Entry<T>> change) {
    Entry<T> entry;
    try {
      entry = change.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<StoreWrite> writes = new ArrayList<>(entry.writes());
    for (EventRecord e : entry.events()) {
      EventRecord numbered = e.numbered(++seq, 0);
      events.add(numbered);
      writes.add(new StoreWrite.AppendEvent(numbered));
    }
    store.apply(writes);
    return CompletableFuture.completedFuture(entry.value());
  }
}
