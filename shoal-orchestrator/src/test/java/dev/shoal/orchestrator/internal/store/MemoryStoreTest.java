package dev.shoal.orchestrator.internal.store;

/** The contract, for the in-memory backend (which cannot survive a restart). */
class MemoryStoreTest extends StateStoreContract {
  @Override
  protected StateStore open() {
    return new MemoryStore();
  }

  @Override
  protected StateStore reopen() {
    return null;
  }

  @org.junit.jupiter.api.Test
  void onlyTheNewestEventsAreKept() {
    MemoryStore small = new MemoryStore(3);
    for (long seq = 1; seq <= 5; seq++) {
      small.apply(java.util.List.of(new StoreWrite.AppendEvent(event(seq, "j1"))));
    }
    org.assertj.core.api.Assertions.assertThat(small.events(0, 10)).extracting(EventRecord::seq).containsExactly(3L, 4L, 5L);
    org.assertj.core.api.Assertions.assertThat(small.lastEventSeq()).isEqualTo(5);
  }
}
