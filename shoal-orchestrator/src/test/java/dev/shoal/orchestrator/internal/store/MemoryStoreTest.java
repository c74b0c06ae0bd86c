package dev.shoal.orchestrator.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import java.util.List;

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
    MemoryStore small = new MemoryStore(3, 10);
    for (long seq = 1; seq <= 5; seq++) {
      small.apply(java.util.List.of(new StoreWrite.AppendEvent(event(seq, "j1"))));
    }
    org.assertj.core.api.Assertions.assertThat(small.events(0, 10)).extracting(EventRecord::seq).containsExactly(3L, 4L, 5L);
    org.assertj.core.api.Assertions.assertThat(small.lastEventSeq()).isEqualTo(5);
  }

  @org.junit.jupiter.api.Test
  void onlyTheNewestFinishedJobsAreKeptAndLateWritesToForgottenOnesAreDropped() {
    MemoryStore small = new MemoryStore(100, 2);
    for (int i = 1; i <= 4; i++) {
      small.apply(List.of(new StoreWrite.PutJob(job("j" + i, i), List.of(task("j" + i, "a", 0)))));
    }
    small.apply(List.of(new StoreWrite.SetJobState("j3", JobState.SUCCEEDED, 30, null)));
    small.apply(List.of(new StoreWrite.SetJobState("j1", JobState.FAILED, 31, "x")));
    small.apply(List.of(new StoreWrite.SetJobState("j2", JobState.SUCCEEDED, 32, null)));

    // The oldest to finish goes first; running jobs are never forgotten, whatever their age.
    assertThat(small.job("j3")).isEmpty();
    assertThat(small.tasks("j3")).isEmpty();
    assertThat(small.job("j1")).isPresent();
    assertThat(small.job("j2")).isPresent();
    assertThat(small.unfinishedJobs()).extracting(JobRecord::id).containsExactly("j4");

    // A late attempt for the forgotten job is dropped with the rest of its batch applied...
    small.apply(
        List.of(
            new StoreWrite.PutAttempt(new AttemptRecord("j3", "a", 2, "p", AttemptState.CANCELLED, 1, 2, "", null, null)),
            new StoreWrite.PutAttempt(new AttemptRecord("j4", "a", 1, "p", AttemptState.DISPATCHED, 1, 0, "", null, null))));
    assertThat(small.job("j3")).isEmpty();
    assertThat(small.attempts("j4")).hasSize(1);
    // ...while a write to a job that never existed is still refused.
    assertThatThrownBy(() -> small.apply(List.of(new StoreWrite.SetJobState("nope", JobState.FAILED, 1, "x"))))
        .isInstanceOf(StoreException.class);
  }

  @org.junit.jupiter.api.Test
  void anInlineCommitterAppliesEachAppendBeforeReturningAndStillReportsAFailedCommit() throws Exception {
    MemoryStore memory = new MemoryStore();
    try (GroupCommitter committer = GroupCommitter.inline(memory)) {
      committer.appendAll(List.of(new StoreWrite.PutJob(job("j1", 10), List.of(task("j1", "a", 0)))));
      // Visible at once, on this thread: no writer thread exists to wait for.
      assertThat(memory.job("j1")).isPresent();
      assertThat(committer.barrier()).isCompleted();
      java.util.concurrent.atomic.AtomicReference<Thread> ranOn = new java.util.concurrent.atomic.AtomicReference<>();
      committer.afterCommit(() -> ranOn.set(Thread.currentThread()));
      assertThat(ranOn.get()).isSameAs(Thread.currentThread());
      assertThat(committer.stats()).containsExactly(1, 1);

      committer.append(new StoreWrite.SetJobState("no-such-job", JobState.FAILED, 1, null));
      assertThat(committer.isHealthy()).isFalse();
      assertThat(committer.barrier()).isCompletedExceptionally();
      assertThatThrownBy(() -> committer.append(new StoreWrite.AppendEvent(event(2, "j1"))))
          .isInstanceOf(StoreException.class);
    }
  }
}
