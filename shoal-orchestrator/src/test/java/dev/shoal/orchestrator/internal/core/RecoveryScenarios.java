package dev.shoal.orchestrator.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.orchestrator.internal.core.CoreHarness.FakeWorker;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.List;

/** Restart scenarios shared by the lifecycle coverage test and the store-backed recovery tests. */
final class RecoveryScenarios {

  private RecoveryScenarios() {}

  /**
   * A core stops with one task succeeded, one accepted and one only dispatched; a new core on the
   * same store resumes: the running attempts are lost (uncharged), re-dispatched, and the job
   * completes with the first result kept.
   */
  static void restartLosesRunningAttempts(StateStore store) throws Exception {
    String job;
    String doneTask;
    try (CoreHarness before = new CoreHarness(unclosable(store))) {
      FakeWorker w = before.worker("w1", 3);
      job = before.submit(CoreHarness.addJob(3, 1, 60_000, 0));
      List<TaskDescriptor> sent = w.dispatches();
      assertThat(sent).hasSize(3);
      w.accept(sent.get(0));
      w.succeed(sent.get(0));
      w.accept(sent.get(1));
      doneTask = sent.get(0).getAttempt().getTaskId();
      before.settle();
    }
    try (CoreHarness after = new CoreHarness(unclosable(store))) {
      JobStatus recovered = after.job(job);
      assertThat(recovered.state()).isEqualTo(JobState.RUNNING);
      assertThat(recovered.counts().get(TaskState.SUCCEEDED)).isEqualTo(1);
      assertThat(recovered.counts().get(TaskState.READY)).isEqualTo(2);
      FakeWorker w = after.worker("w1-again", 3);
      List<TaskDescriptor> again = w.dispatches();
      assertThat(again).hasSize(2);
      assertThat(again).allMatch(t -> t.getAttempt().getAttempt() == 2);
      again.forEach(w::succeed);
      after.settle();
      assertThat(after.job(job).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(after.task(job, doneTask).attempts()).extracting(AttemptStatus::state).containsExactly(AttemptState.COMPLETED);
      for (TaskDescriptor t : again) {
        assertThat(after.task(job, t.getAttempt().getTaskId()).attempts())
            .extracting(AttemptStatus::state)
            .containsExactly(AttemptState.LOST, AttemptState.COMPLETED);
      }
    }
  }

  /** A job's deadline is absolute and survives a restart: its tasks still expire on time. */
  static void deadlineSurvivesRestart(StateStore store) throws Exception {
    String job;
    try (CoreHarness before = new CoreHarness(unclosable(store))) {
      job = before.submit(CoreHarness.addJob(2, 3, 60_000, 5_000));
      before.settle();
    }
    try (CoreHarness after = new CoreHarness(unclosable(store))) {
      assertThat(after.job(job).state()).isEqualTo(JobState.RUNNING);
      after.advance(4_999);
      assertThat(after.job(job).state()).isEqualTo(JobState.RUNNING);
      after.advance(1);
      after.settle();
      assertThat(after.job(job).state()).isEqualTo(JobState.EXPIRED);
    }
  }

  /** The harness closes its store; a restart needs the same one open again. */
  static StateStore unclosable(StateStore store) {
    return new ForwardingStore(store);
  }
}
