package dev.shoal.orchestrator.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link StateStore} backend must do. Each backend's test extends this. */
abstract class StateStoreContract {

  protected StateStore store;

  /** A fresh, empty store. */
  protected abstract StateStore open() throws Exception;

  /** The same store again, as after a restart; null when the backend cannot survive one. */
  protected abstract StateStore reopen() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    store = open();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  static JobRecord job(String id, long created) {
    return new JobRecord(id, "tasks", "{\"k\":1}".getBytes(), JobState.RUNNING, created, 0, 2, null, created + 1_000, "p1", "k1");
  }

  static TaskRecord task(String job, String id, int index) {
    return new TaskRecord(
        job, id, index, new byte[] {1, 2, (byte) index}, 3, TaskState.READY, 0, 0, null, null, null, 5, "first_valid",
        null);
  }

  static EventRecord event(long seq, String job) {
    return new EventRecord(
        seq, 100 + seq, "task.status_changed", "task", job, "t0", 0, "", "READY", "RUNNING", "d" + seq, "svc", "p1", "k1");
  }

  @Test
  void purgingForgetsOnlyJobsThatFinishedBeforeTheCutoff() {
    store.apply(
        List.of(
            new StoreWrite.PutJob(job("old", 10), List.of(task("old", "a", 0))),
            new StoreWrite.PutJob(job("recent", 11), List.of(task("recent", "a", 0))),
            new StoreWrite.PutJob(job("running", 12), List.of(task("running", "a", 0))),
            new StoreWrite.PutAttempt(
                new AttemptRecord("old", "a", 1, "w", AttemptState.COMPLETED, 20, 30, "", null, null)),
            new StoreWrite.SetJobState("old", JobState.SUCCEEDED, 100, null),
            new StoreWrite.SetJobState("recent", JobState.FAILED, 300, "x")));

    store.apply(List.of(new StoreWrite.PurgeFinished(200)));

    assertThat(store.job("old")).isEmpty();
    assertThat(store.tasks("old")).isEmpty();
    assertThat(store.attempts("old")).isEmpty();
    assertThat(store.job("recent")).isPresent();
    assertThat(store.job("running")).isPresent();
    assertThat(store.tasks("running")).hasSize(1);
  }

  @Test
  void aJobAndItsTasksReadBackAsWritten() {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "b", 1), task("j1", "a", 0)))));
    JobRecord j = store.job("j1").orElseThrow();
    assertThat(j.kind()).isEqualTo("tasks");
    assertThat(j.spec()).isEqualTo("{\"k\":1}".getBytes());
    assertThat(j.state()).isEqualTo(JobState.RUNNING);
    assertThat(j.deadlineAt()).isEqualTo(1_010);
    assertThat(store.tasks("j1")).extracting(TaskRecord::taskId).containsExactly("a", "b");
    assertThat(store.task("j1", "b").orElseThrow().descriptor()).containsExactly(1, 2, 1);
    assertThat(store.job("nope")).isEmpty();
    assertThat(store.task("j1", "nope")).isEmpty();
    assertThat(store.tasks("nope")).isEmpty();
  }

  @Test
  void taskUpdatesApplyInBatchOrderAndKeepTheResult() {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "a", 0)))));
    store.apply(
        List.of(
            new StoreWrite.SetTaskState("j1", "a", TaskState.RUNNING, 0, 1, null, null, null, 6, null),
            new StoreWrite.SetTaskState("j1", "a", TaskState.VALIDATING, 0, 1, null, null, null, 7, null),
            new StoreWrite.SetTaskState("j1", "a", TaskState.SUCCEEDED, 0, 1, null, new byte[] {9}, "wpeer", 8, null)));
    TaskRecord t = store.task("j1", "a").orElseThrow();
    assertThat(t.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(t.result()).containsExactly(9);
    assertThat(t.resultPeer()).isEqualTo("wpeer");
    assertThat(t.attemptCount()).isEqualTo(1);
    assertThat(t.updatedAt()).isEqualTo(8);
  }

  @Test
  void aResultUpdateFollowedByAPlainOneInOneBatchEndsWithThePlainState() {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "a", 0)))));
    store.apply(
        List.of(
            new StoreWrite.SetTaskState("j1", "a", TaskState.RUNNING, 0, 1, null, null, null, 6, null),
            new StoreWrite.SetTaskState("j1", "a", TaskState.SUCCEEDED, 0, 1, null, new byte[] {9}, "p", 7, null),
            new StoreWrite.SetTaskState("j1", "a", TaskState.SUCCEEDED, 0, 2, "x", null, null, 8, null)));
    TaskRecord t = store.task("j1", "a").orElseThrow();
    assertThat(t.attemptCount()).isEqualTo(2);
    assertThat(t.result()).containsExactly(9);
  }

  @Test
  void attemptsAreUpsertedAndOrderedByTaskThenNumber() {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "b", 1), task("j1", "a", 0)))));
    store.apply(
        List.of(
            new StoreWrite.PutAttempt(new AttemptRecord("j1", "b", 1, "p1", AttemptState.DISPATCHED, 1, 0, "", null, null)),
            new StoreWrite.PutAttempt(new AttemptRecord("j1", "a", 2, "p2", AttemptState.DISPATCHED, 1, 0, "", null, null)),
            new StoreWrite.PutAttempt(new AttemptRecord("j1", "a", 1, "p1", AttemptState.DISPATCHED, 1, 0, "", null, null)),
            new StoreWrite.PutAttempt(new AttemptRecord("j1", "a", 1, "p1", AttemptState.LOST, 1, 3, "gone", null, null))));
    assertThat(store.attempts("j1"))
        .extracting(a -> a.taskId() + "#" + a.attempt() + ":" + a.state())
        .containsExactly("a#1:LOST", "a#2:DISPATCHED", "b#1:DISPATCHED");
    assertThat(store.attempts("j1", "a")).hasSize(2);
    assertThat(store.attempts("j1", "a").getFirst().detail()).isEqualTo("gone");
  }

  @Test
  void policiesResultsVerdictsAndAcceptanceRecordsAreKept() {
    TaskRecord quorum =
        new TaskRecord("j1", "q", 0, new byte[] {1}, 3, TaskState.READY, 0, 0, null, null, null, 5, "quorum(2 of 3)", null);
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(quorum))));
    store.apply(
        List.of(
            new StoreWrite.PutAttempt(
                new AttemptRecord("j1", "q", 1, "p1", AttemptState.COMPLETED, 1, 2, "", new byte[] {7}, "{\"passed\":true}")),
            new StoreWrite.SetTaskState(
                "j1", "q", TaskState.SUCCEEDED, 0, 1, null, new byte[] {7}, "p1", 8, "{\"decidedBy\":\"quorum\"}")));
    TaskRecord t = store.task("j1", "q").orElseThrow();
    assertThat(t.policy()).isEqualTo("quorum(2 of 3)");
    assertThat(t.acceptance()).isEqualTo("{\"decidedBy\":\"quorum\"}");
    AttemptRecord a = store.attempts("j1", "q").getFirst();
    assertThat(a.result()).containsExactly(7);
    assertThat(a.verdict()).isEqualTo("{\"passed\":true}");
  }

  @Test
  void unfinishedJobsAreThoseNotTerminalOldestFirst() {
    store.apply(
        List.of(
            new StoreWrite.PutJob(job("j2", 20), List.of()),
            new StoreWrite.PutJob(job("j1", 10), List.of()),
            new StoreWrite.PutJob(job("j3", 30), List.of()),
            new StoreWrite.SetJobState("j3", JobState.SUCCEEDED, 40, null)));
    assertThat(store.unfinishedJobs()).extracting(JobRecord::id).containsExactly("j1", "j2");
    assertThat(store.recentJobs(2)).extracting(JobRecord::id).containsExactly("j3", "j2");
    JobRecord done = store.job("j3").orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.finishedAt()).isEqualTo(40);
  }

  @Test
  void eventsAreReadInSequenceAfterACursor() {
    List<StoreWrite> batch = new ArrayList<>();
    for (long seq = 1; seq <= 5; seq++) {
      batch.add(new StoreWrite.AppendEvent(event(seq, "j1")));
    }
    store.apply(batch);
    assertThat(store.lastEventSeq()).isEqualTo(5);
    assertThat(store.events(2, 2)).extracting(EventRecord::seq).containsExactly(3L, 4L);
    assertThat(store.events(5, 10)).isEmpty();
    assertThat(store.events(0, 10).getFirst()).satisfies(e -> {
      assertThat(e.detail()).isEqualTo("d1");
      assertThat(e.type()).isEqualTo("task.status_changed");
      assertThat(e.service()).isEqualTo("svc");
      assertThat(e.principal()).isEqualTo("p1");
      assertThat(e.actor()).isEqualTo("k1");
    });
    assertThat(store.firstEventSeq()).isEqualTo(1);
  }

  @Test
  void aFailedBatchChangesNothing() {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "a", 0)))));
    assertThatThrownBy(
            () ->
                store.apply(
                    List.of(
                        new StoreWrite.SetTaskState("j1", "a", TaskState.RUNNING, 0, 1, null, null, null, 6, null),
                        new StoreWrite.AppendEvent(event(1, "j1")),
                        new StoreWrite.PutJob(job("j1", 11), List.of()))))
        .isInstanceOf(StoreException.class);
    assertThat(store.task("j1", "a").orElseThrow().state()).isEqualTo(TaskState.READY);
    assertThat(store.lastEventSeq()).isZero();
    // And the store still works afterwards.
    store.apply(List.of(new StoreWrite.AppendEvent(event(1, "j1"))));
    assertThat(store.lastEventSeq()).isEqualTo(1);
  }

  @Test
  void principalsDelegationsAndJobOwnersAreKept() throws Exception {
    PrincipalRecord alice = new PrincipalRecord("palice", "client", "alice", new byte[32], 5, "k0");
    DelegationRecord bot = new DelegationRecord("palice", "pbot", List.of("publish", "cancel"), 0, 6, 0, "k1");
    store.apply(List.of(new StoreWrite.PutPrincipal(alice), new StoreWrite.PutDelegation(bot)));
    store.apply(List.of(
        new StoreWrite.PutDelegation(bot.revoked(7, "k1")),
        new StoreWrite.PutDelegation(new DelegationRecord("palice", "pother", List.of("confirm"), 99, 8, 0, "k1")),
        new StoreWrite.PutJob(job("j1", 10), List.of())));
    // A principal id is taken once: the batch fails whole.
    assertThatThrownBy(() -> store.apply(List.of(
            new StoreWrite.PutJob(job("j2", 11), List.of()), new StoreWrite.PutPrincipal(alice))))
        .isInstanceOf(StoreException.class);
    assertThat(store.job("j2")).isEmpty();
    StateStore again = reopen();
    if (again != null) {
      store.close();
      store = again;
    }
    assertThat(store.principals()).singleElement().satisfies(p -> {
      assertThat(p.id()).isEqualTo("palice");
      assertThat(p.kind()).isEqualTo("client");
      assertThat(p.publicKey()).hasSize(32);
      assertThat(p.actor()).isEqualTo("k0");
    });
    assertThat(store.delegations()).hasSize(2);
    assertThat(store.delegations().getFirst()).satisfies(d -> {
      assertThat(d.delegate()).isEqualTo("pbot");
      assertThat(d.scopes()).containsExactly("publish", "cancel");
      assertThat(d.revokedAt()).isEqualTo(7);
      assertThat(d.inForce(8)).isFalse();
    });
    assertThat(store.delegations().get(1).inForce(98)).isTrue();
    assertThat(store.delegations().get(1).inForce(99)).as("expired").isFalse();
    assertThat(store.job("j1").orElseThrow().owner()).isEqualTo("p1");
    assertThat(store.job("j1").orElseThrow().actor()).isEqualTo("k1");
  }

  @Test
  void workersWhoseLastEventIsNotTheirDisconnectionAreLeftConnected() {
    store.apply(List.of(
        new StoreWrite.AppendEvent(worker(1, "w1", "connected")),
        new StoreWrite.AppendEvent(worker(2, "w2", "connected")),
        new StoreWrite.AppendEvent(worker(3, "w3", "connected")),
        new StoreWrite.AppendEvent(worker(4, "w1", "gone")),
        new StoreWrite.AppendEvent(worker(5, "w3", "draining"))));
    assertThat(store.workersLeftConnected()).containsExactly("w2", "w3");
  }

  private static EventRecord worker(long seq, String peer, String to) {
    return new EventRecord(seq, seq, "worker.status_changed", "worker", "", "", 0, peer, "", to, "", "", "", "");
  }

  @Test
  void everythingCommittedSurvivesAReopen() throws Exception {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "a", 0)))));
    store.apply(List.of(new StoreWrite.SetTaskState("j1", "a", TaskState.RUNNING, 1, 2, "e", null, null, 6, null)));
    store.close();
    store = reopen();
    if (store == null) {
      store = open();
      return;
    }
    TaskRecord t = store.task("j1", "a").orElseThrow();
    assertThat(t.state()).isEqualTo(TaskState.RUNNING);
    assertThat(t.retriesUsed()).isEqualTo(1);
    assertThat(t.error()).isEqualTo("e");
    assertThat(store.unfinishedJobs()).extracting(JobRecord::id).containsExactly("j1");
  }

  @Test
  void theGroupCommitterBatchesConcurrentWritersAndBarriersWaitForDurability() throws Exception {
    store.apply(List.of(new StoreWrite.PutJob(job("j1", 10), List.of())));
    try (GroupCommitter committer = new GroupCommitter(store)) {
      int writers = 4;
      int each = 2_000;
      List<CompletableFuture<Void>> done = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
      for (int w = 0; w < writers; w++) {
        Thread t =
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int i = 0; i < each; i++) {
                        synchronized (seq) {
                          committer.append(new StoreWrite.AppendEvent(event(seq.incrementAndGet(), "j1")));
                        }
                      }
                      synchronized (done) {
                        done.add(committer.barrier());
                      }
                    });
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(store.lastEventSeq()).isEqualTo((long) writers * each);
      long[] stats = committer.stats();
      assertThat(stats[1]).isEqualTo((long) writers * each);
      assertThat(stats[0]).as("batches").isLessThan((long) writers * each);
    }
  }

  @Test
  void aFailedCommitFailsBarriersAndRefusesFurtherWrites() throws Exception {
    try (GroupCommitter committer = new GroupCommitter(store)) {
      committer.append(new StoreWrite.SetJobState("no-such-job", JobState.FAILED, 1, null));
      assertThatThrownBy(() -> committer.barrier().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.class);
      assertThat(committer.isHealthy()).isFalse();
      assertThatThrownBy(() -> committer.append(new StoreWrite.AppendEvent(event(2, "x"))))
          .isInstanceOf(StoreException.class);
    }
  }
}
