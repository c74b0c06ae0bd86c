package dev.shoal.orchestrator.internal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.GroupCommitter;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StoreWrite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feed serves committed events only, in order, from its ring or the store, and says when it cannot. */
class EventFeedTest {

  @TempDir Path dir;

  private static EventRecord event(long seq, String type, String job) {
    return new EventRecord(seq, seq, type, "task", job, "t", 0, "w1", "READY", "RUNNING", "", "svc", "", "");
  }

  private static List<StoreWrite> batch(long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(s -> (StoreWrite) new StoreWrite.AppendEvent(event(s, EventTypes.TASK_STATUS_CHANGED, "j" + s)))
        .toList();
  }

  private static List<Long> seqs(EventFeed.Page page) {
    return page.events().stream().map(EventRecord::seq).toList();
  }

  @Test
  void anEventIsServedOnlyOnceItsBatchIsCommitted() throws Exception {
    MemoryStore store = new MemoryStore();
    EventFeed feed = new EventFeed(store, 16);
    // In the store, but the committer has not said so yet: not visible.
    store.apply(batch(1, 2));
    assertThat(feed.next(0, EventFilter.ALL, 10, 0).events()).isEmpty();
    feed.committed(batch(1, 2));
    assertThat(seqs(feed.next(0, EventFilter.ALL, 10, 0))).containsExactly(1L, 2L);
    assertThat(feed.head()).isEqualTo(2);
  }

  @Test
  void aWaitingFollowerWakesWhenTheCommitterCommits() throws Exception {
    MemoryStore store = new MemoryStore();
    GroupCommitter committer = new GroupCommitter(store);
    EventFeed feed = new EventFeed(store, 16);
    committer.onCommit(feed::committed);
    CompletableFuture<EventFeed.Page> waiting =
        CompletableFuture.supplyAsync(() -> {
          try {
            return feed.next(0, EventFilter.ALL, 10, TimeUnit.SECONDS.toNanos(30));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    committer.appendAll(batch(1, 3));
    assertThat(seqs(waiting.get(10, TimeUnit.SECONDS))).containsExactly(1L, 2L, 3L);
    committer.close();
  }

  @Test
  void aFollowerBehindTheRingReadsTheStoreAndThenTheRing() throws Exception {
    MemoryStore store = new MemoryStore();
    EventFeed feed = new EventFeed(store, 4);
    store.apply(batch(1, 10));
    feed.committed(batch(1, 10));
    // The ring holds 7..10; 3..10 come from the store first.
    EventFeed.Page page = feed.next(2, EventFilter.ALL, 3, 0);
    assertThat(seqs(page)).containsExactly(3L, 4L, 5L);
    page = feed.next(page.cursor(), EventFilter.ALL, 100, 0);
    assertThat(seqs(page)).containsExactly(6L, 7L, 8L, 9L, 10L);
    assertThat(page.cursor()).isEqualTo(10);
  }

  @Test
  void aRestartedFeedServesWhatTheStoreKeptAndContinuesWithoutAGap() throws Exception {
    MemoryStore store = new MemoryStore();
    store.apply(batch(1, 5));
    // A new feed over the same store: as after an orchestrator restart with a data directory.
    EventFeed feed = new EventFeed(store, 8);
    assertThat(feed.head()).isEqualTo(5);
    assertThat(seqs(feed.next(3, EventFilter.ALL, 10, 0))).containsExactly(4L, 5L);
    store.apply(batch(6, 7));
    feed.committed(batch(6, 7));
    assertThat(seqs(feed.next(5, EventFilter.ALL, 10, 0))).containsExactly(6L, 7L);
  }

  @Test
  void aFilterSkipsEventsAndTheCursorMovesPastThem() throws Exception {
    MemoryStore store = new MemoryStore();
    EventFeed feed = new EventFeed(store, 64);
    List<StoreWrite> writes = new ArrayList<>();
    writes.add(new StoreWrite.AppendEvent(event(1, EventTypes.TASK_PUBLISHED, "a")));
    writes.add(new StoreWrite.AppendEvent(event(2, EventTypes.TASK_ASSIGNED, "a")));
    writes.add(new StoreWrite.AppendEvent(event(3, EventTypes.TASK_ASSIGNED, "b")));
    writes.add(new StoreWrite.AppendEvent(event(4, EventTypes.WORKER_CONNECTED, "")));
    store.apply(writes);
    feed.committed(writes);

    EventFilter assigned = EventFilter.of(List.of("task.assigned"), null, null, null, null, null);
    EventFeed.Page page = feed.next(0, assigned, 10, 0);
    assertThat(seqs(page)).containsExactly(2L, 3L);
    assertThat(page.cursor()).isEqualTo(4);
    assertThat(seqs(feed.next(0, EventFilter.of(List.of("task.*"), null, null, "a.t", null, null), 10, 0)))
        .containsExactly(1L, 2L);
    assertThat(seqs(feed.next(0, EventFilter.of(List.of(), null, "b", null, null, null), 10, 0))).containsExactly(3L);
  }

  @Test
  void unknownTypesAndOverlongIdsAreRefused() {
    assertThatThrownBy(() -> EventFilter.of(List.of("task.exploded"), null, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown event type 'task.exploded'");
    assertThatThrownBy(() -> EventFilter.of(List.of("nothing.*"), null, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventFilter.of(List.of(), "x".repeat(300), null, null, null, null))
        .hasMessageContaining("service must be at most 256");
    assertThatThrownBy(() -> EventFilter.of(List.of(), null, "has space", null, null, null))
        .hasMessageContaining("job must be");
  }

  @Test
  void aCursorBeyondTheNewestEventIsRefusedNotWaitedOn() {
    // An orchestrator without a data directory restarted: its log began again at 1.
    EventFeed feed = new EventFeed(new MemoryStore(), 4);
    feed.committed(batch(1, 2));
    assertThatThrownBy(() -> feed.next(500, EventFilter.ALL, 10, TimeUnit.SECONDS.toNanos(30)))
        .isInstanceOfSatisfying(EventFeed.CursorException.class, e -> assertThat(e.gone()).isFalse())
        .hasMessageContaining("beyond the newest event (2)");
  }

  @Test
  void eventsTheStoreDroppedAreReportedGoneWithWhereToResume() throws Exception {
    MemoryStore store = new MemoryStore(3, 10);
    EventFeed feed = new EventFeed(store, 2);
    for (long s = 1; s <= 6; s++) {
      store.apply(batch(s, s));
      feed.committed(batch(s, s));
    }
    // The store keeps 4..6, the ring 5..6.
    assertThatThrownBy(() -> feed.next(1, EventFilter.ALL, 10, 0))
        .isInstanceOfSatisfying(EventFeed.CursorException.class, e -> assertThat(e.gone()).isTrue())
        .hasMessageContaining("events 2 to 3 were dropped")
        .hasMessageContaining("after=3");
    assertThat(seqs(feed.next(3, EventFilter.ALL, 10, 0))).containsExactly(4L, 5L, 6L);
  }

  @Test
  void aFollowerRacingAWriterSeesEveryEventOnceInOrder() throws Exception {
    MemoryStore store = new MemoryStore();
    GroupCommitter committer = new GroupCommitter(store);
    EventFeed feed = new EventFeed(store, 64);
    committer.onCommit(feed::committed);
    int total = 20_000;
    Thread writer =
        Thread.ofPlatform().start(() -> {
          for (long s = 1; s <= total; s += 50) {
            committer.appendAll(batch(s, Math.min(total, s + 49)));
          }
        });
    List<Long> seen = new ArrayList<>();
    long cursor = 0;
    // Small pages and a small ring: the follower falls behind it and catches up from the store.
    while (seen.size() < total) {
      EventFeed.Page page = feed.next(cursor, EventFilter.ALL, 37, TimeUnit.SECONDS.toNanos(10));
      assertThat(page.events()).as("nothing for 10 s at %d", cursor).isNotEmpty();
      page.events().forEach(e -> seen.add(e.seq()));
      cursor = page.cursor();
    }
    writer.join();
    committer.close();
    assertThat(seen).isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
  }
}
