package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.worker.Worker;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code events()} against a real orchestrator with a data directory, in this JVM: pages and
 * followers agree, filters filter, a follower rides out an orchestrator restart with every event
 * exactly once, and what retrying cannot cure ends it with its typed exception.
 */
class EventsTest {

  private static final Duration LONG = Duration.ofSeconds(60);

  @TempDir Path data;
  private LiveMesh mesh;
  private final List<AutoCloseable> followers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable f : followers) {
      f.close();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  private ShoalClient start(boolean durable) {
    mesh = LiveMesh.start(c -> durable ? c.dataDir(data) : c);
    return mesh.client();
  }

  /** Runs a one-task job (tensor.add, task id "sum") to success and returns the job id. */
  private static String runJob(ShoalClient client) {
    Tensor x = Tensor.float32(Shape.of(2), new float[] {1, 2});
    String job = client.jobs().submit(JobRequest.tasks(List.of(TaskSpec.of("tensor.add@1", x, x).withId("sum"))));
    assertThat(client.jobs().await(job, LONG).succeeded()).isTrue();
    return job;
  }

  private static List<Long> seqs(List<MeshEvent> events) {
    return events.stream().map(MeshEvent::seq).toList();
  }

  private static List<Long> oneTo(long head) {
    return LongStream.rangeClosed(1, head).boxed().toList();
  }

  /** Follows on a virtual thread into a list until closed; the failure that ended it, if any, in {@code ended}. */
  private EventSubscription collect(EventSubscription s, List<MeshEvent> into, AtomicReference<Throwable> ended) {
    followers.add(s);
    Thread.ofVirtual().start(() -> {
      try {
        s.forEachRemaining(into::add);
      } catch (RuntimeException e) {
        ended.set(e);
      }
    });
    return s;
  }

  @Test
  void pagesAndAFollowerGiveEveryEventOnceInSequenceOrder() {
    ShoalClient client = start(true);
    Worker worker = mesh.addWorker("events-worker");
    String job = runJob(client);

    MeshEvent.Page all = client.events().page(0, EventFilter.ALL, 1000);
    assertThat(seqs(all.events())).as("dense from 1").isEqualTo(oneTo(all.events().size()));
    long last = all.events().getLast().seq();
    List<String> lifecycle =
        all.events().stream()
            .filter(e -> e.jobId().equals(job))
            .map(MeshEvent::type)
            .filter(t -> List.of("job.published", "task.published", "task.assigned", "result.submitted").contains(t))
            .toList();
    assertThat(lifecycle).containsExactly("job.published", "task.published", "task.assigned", "result.submitted");
    MeshEvent assigned = all.events().stream().filter(e -> e.type().equals("task.assigned")).findFirst().orElseThrow();
    assertThat(assigned.taskId()).isEqualTo(job + ".sum");
    assertThat(assigned.worker()).isEqualTo(worker.peerId());
    assertThat(assigned.attempt()).isEqualTo(1);
    assertThat(assigned.to()).isEqualTo("DISPATCHED");
    assertThat(assigned.time()).isBeforeOrEqualTo(java.time.Instant.now());
    MeshEvent succeeded =
        all.events().stream().filter(e -> e.type().equals("task.status_changed") && e.to().equals("SUCCEEDED")).findFirst()
            .orElseThrow();
    assertThat(succeeded.seq()).isGreaterThan(assigned.seq());

    // Small pages chained by nextAfter add up to the one big page.
    List<MeshEvent> paged = new ArrayList<>();
    long after = 0;
    MeshEvent.Page p;
    do {
      p = client.events().page(after, EventFilter.ALL, 2);
      assertThat(p.events()).hasSizeLessThanOrEqualTo(2);
      paged.addAll(p.events());
      after = p.nextAfter();
    } while (after < last);
    assertThat(paged).isEqualTo(all.events());
    assertThat(p.hasMore()).isEqualTo(p.head() > last);

    try (EventSubscription s = client.events().follow(0, EventFilter.ALL)) {
      List<MeshEvent> followed = new ArrayList<>();
      while (followed.size() < all.events().size()) {
        followed.add(s.next());
      }
      assertThat(followed).isEqualTo(all.events());
      assertThat(s.lastSeq()).isEqualTo(last);
    }
    try (EventSubscription s = client.events().follow(last - 2, EventFilter.ALL)) {
      assertThat(s.stream().limit(2).toList()).isEqualTo(all.events().subList(all.events().size() - 2, all.events().size()));
    }
  }

  @Test
  void aFilterKeepsOnlyTheEventsItNames() {
    ShoalClient client = start(true);
    mesh.addWorker("events-worker");
    String first = runJob(client);
    String second = runJob(client);

    MeshEvent.Page assigned = client.events().page(0, EventFilter.types("task.assigned"), 100);
    assertThat(assigned.events()).extracting(MeshEvent::type).containsOnly("task.assigned");
    assertThat(assigned.events()).extracting(MeshEvent::jobId).containsExactly(first, second);
    assertThat(assigned.nextAfter()).as("moved past what the filter skipped").isGreaterThan(assigned.events().getLast().seq());

    assertThat(client.events().page(0, EventFilter.types("task.*"), 100).events())
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.type()).startsWith("task."));
    assertThat(client.events().page(0, EventFilter.ALL.withJob(second), 100).events())
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.jobId()).isEqualTo(second));
    assertThat(client.events().page(0, EventFilter.ALL.withTask(first + ".sum").withType("result.submitted"), 100).events())
        .singleElement()
        .satisfies(e -> assertThat(e.taskId()).isEqualTo(first + ".sum"));

    try (EventSubscription s = client.events().follow(0, EventFilter.types("result.submitted", "job.published"))) {
      assertThat(s.stream().limit(4).map(e -> e.type() + " " + e.jobId()))
          .containsExactly(
              "job.published " + first, "result.submitted " + first, "job.published " + second,
              "result.submitted " + second);
    }

    EventFilter unknown = EventFilter.types("task.exploded");
    assertThatThrownBy(() -> client.events().page(0, unknown, 10)).isInstanceOf(InvalidArgumentException.class);
    try (EventSubscription s = client.events().follow(0, unknown)) {
      assertThatThrownBy(s::hasNext).isInstanceOf(InvalidArgumentException.class).hasMessageContaining("task.exploded");
      assertThat(s.hasNext()).as("ended by the failure").isFalse();
    }
    assertThatThrownBy(() -> EventFilter.types("task.assigned,task.published")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void followersRideOutAnOrchestratorRestartWithNoGapAndNoDuplicate() {
    ShoalClient client = start(true);
    Worker worker = mesh.addWorker("events-worker");
    runJob(client);
    long before = client.events().page(0, EventFilter.ALL, 1).head();

    List<MeshEvent> sync = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> syncEnded = new AtomicReference<>();
    collect(client.events().follow(0, EventFilter.ALL), sync, syncEnded);
    Collector async = new Collector();
    client.async().events().follow(0, EventFilter.ALL).subscribe(async);
    followers.add(async::cancel);
    await().atMost(LONG).until(() -> sync.size() >= before && async.items.size() >= before);

    mesh.restartOrchestrator();
    await("the worker is back").atMost(LONG)
        .until(() -> client.workers().list().stream().anyMatch(w -> w.peerId().equals(worker.peerId())));
    String after = runJob(client);
    long head = client.events().page(0, EventFilter.ALL, 1).head();
    assertThat(head).isGreaterThan(before);

    await().atMost(LONG).until(() -> sync.size() >= head && async.items.size() >= head);
    assertThat(syncEnded.get()).isNull();
    assertThat(async.end.isDone()).as("the publisher goes on").isFalse();
    // More may have come since the head was read (a late worker.judged): the first head events are what is checked.
    assertThat(seqs(sync.subList(0, (int) head))).as("sync: every event once, in order").isEqualTo(oneTo(head));
    assertThat(seqs(async.items.subList(0, (int) head))).as("async: every event once, in order").isEqualTo(oneTo(head));
    assertThat(sync).filteredOn(e -> e.jobId().equals(after)).extracting(MeshEvent::type).contains("result.submitted");
    assertThat(async.items.subList(0, (int) head)).isEqualTo(sync.subList(0, (int) head));
  }

  @Test
  void anAsyncFollowerDeliversOnlyWhatWasAskedFor() {
    ShoalClient client = start(false);
    mesh.addWorker("events-worker");
    runJob(client);
    long head = client.events().page(0, EventFilter.ALL, 1).head();
    assertThat(head).isGreaterThan(3);

    Collector c = new Collector(0);
    client.async().events().follow(0, EventFilter.ALL).subscribe(c);
    c.subscription.join().request(3);
    await().atMost(LONG).until(() -> c.items.size() == 3);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> c.items.size() == 3);

    c.subscription.join().request(Long.MAX_VALUE);
    await().atMost(LONG).until(() -> c.items.size() >= head);
    long atCancel = client.events().page(0, EventFilter.ALL, 1).head();
    c.subscription.join().cancel();
    runJob(client);
    assertThat(client.events().page(0, EventFilter.ALL, 1).head()).isGreaterThan(atCancel);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
        .until(() -> c.items.stream().allMatch(e -> e.seq() <= atCancel));
    assertThat(seqs(c.items)).isEqualTo(oneTo(c.items.size()));
    assertThat(c.end).isNotDone();
  }

  @Test
  void aCursorBeyondTheLogIsAConflictAlsoForAFollowerOfAnOrchestratorThatForgot() {
    ShoalClient client = start(false);
    mesh.addWorker("events-worker");
    runJob(client);
    long head = client.events().page(0, EventFilter.ALL, 1).head();

    assertThatThrownBy(() -> client.events().page(head + 100, EventFilter.ALL, 10))
        .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.status()).isEqualTo(409));

    // An orchestrator without a data directory forgets its events when it restarts: the follower's
    // cursor is then beyond the new log, which it must say rather than wait for numbers reused.
    List<MeshEvent> seen = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    collect(client.events().follow(0, EventFilter.ALL), seen, ended);
    await().atMost(LONG).until(() -> seen.size() >= head);
    mesh.restartOrchestrator();
    await().atMost(LONG).until(() -> ended.get() != null);
    assertThat(ended.get()).isInstanceOfSatisfying(ConflictException.class, e -> {
      assertThat(e.status()).isEqualTo(409);
      assertThat(e.getMessage()).contains("beyond the newest event");
    });
  }

  @Test
  void eventsTheLogDroppedAreGone() throws Exception {
    ShoalClient client = start(true);
    mesh.addWorker("events-worker");
    runJob(client);
    mesh.stopOrchestrator();
    // The orchestrator keeps every event today; dropping the oldest by hand is what a retention would do.
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("shoal.db"));
        Statement s = db.createStatement()) {
      assertThat(s.executeUpdate("DELETE FROM events WHERE seq <= 3")).isEqualTo(3);
    }
    mesh.startOrchestratorAgain();

    assertThatThrownBy(() -> client.events().page(0, EventFilter.ALL, 10))
        .isInstanceOfSatisfying(EventsGoneException.class, e -> {
          assertThat(e.status()).isEqualTo(410);
          assertThat(e.code()).isEqualTo("events_gone");
          assertThat(e.retryable()).isFalse();
        });
    try (EventSubscription s = client.events().follow(1, EventFilter.ALL)) {
      assertThatThrownBy(s::hasNext).isInstanceOf(EventsGoneException.class).hasMessageContaining("resume from after=3");
    }
    Collector c = new Collector();
    client.async().events().follow(0, EventFilter.ALL).subscribe(c);
    assertThat(c.end).failsWithin(LONG).withThrowableThat().havingRootCause().isInstanceOf(EventsGoneException.class);
    try (EventSubscription s = client.events().follow(3, EventFilter.ALL)) {
      assertThat(s.next().seq()).isEqualTo(4);
    }
  }

  @Test
  void closeEndsAFollowerBlockedOnAQuietStreamOrInABackoff() {
    ShoalClient client = start(false);
    long head = client.events().page(0, EventFilter.ALL, 1).head();

    List<MeshEvent> seen = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    EventSubscription quiet = client.events().follow(head, EventFilter.ALL);
    Thread reader = Thread.ofVirtual().start(() -> {
      try {
        quiet.forEachRemaining(seen::add);
      } catch (RuntimeException e) {
        ended.set(e);
      }
      done.complete(null);
    });
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(reader::isAlive);
    quiet.close();
    assertThat(done).succeedsWithin(Duration.ofSeconds(5));
    assertThat(seen).isEmpty();
    assertThat(ended.get()).isNull();

    // Nobody listening: the follower waits between tries, and close() cuts the wait short.
    mesh.stopOrchestrator();
    CompletableFuture<Boolean> retrying = new CompletableFuture<>();
    EventSubscription unreachable = client.events().follow(0, EventFilter.ALL);
    Thread.ofVirtual().start(() -> retrying.complete(unreachable.hasNext()));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !retrying.isDone());
    unreachable.close();
    assertThat(retrying).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(false);
  }

  /** A subscriber that records what it gets; asks for everything unless told how much to start with. */
  private static final class Collector implements Flow.Subscriber<MeshEvent> {
    final List<MeshEvent> items = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> end = new CompletableFuture<>();
    final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private final long initial;

    Collector() {
      this(Long.MAX_VALUE);
    }

    Collector(long initial) {
      this.initial = initial;
    }

    void cancel() {
      subscription.join().cancel();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription.complete(s);
      if (initial > 0) {
        s.request(initial);
      }
    }

    @Override
    public void onNext(MeshEvent item) {
      items.add(item);
    }

    @Override
    public void onError(Throwable t) {
      end.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      end.complete(null);
    }
  }
}
