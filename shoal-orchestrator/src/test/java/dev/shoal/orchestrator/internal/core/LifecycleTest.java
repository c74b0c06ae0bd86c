package dev.shoal.orchestrator.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.core.CoreHarness.FakeWorker;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.lifecycle.Transitions;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The task and attempt lifecycle, driven through the core with scripted workers on a fake
 * clock. {@link #everyTransitionInTheTableIsExercised} runs every scenario and fails if any
 * transition of {@link Transitions} was never taken.
 */
class LifecycleTest {

  @Test
  void aTaskRunsOnceAndSucceeds() throws Exception {
    happyPath();
  }

  static void happyPath() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 4);
      String job = h.submit(CoreHarness.addJob(1, 3, 1_000, 0));
      var finished = h.core.whenFinished(job);
      TaskDescriptor t = only(w.dispatches());
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.RUNNING);
      assertThat(finished).isNotDone();
      w.accept(t);
      w.succeed(t);
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_ACCEPTED);
      h.settle();
      JobStatus s = h.job(job);
      assertThat(s.state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(finished.get(5, java.util.concurrent.TimeUnit.SECONDS)).contains(s);
      assertThat(h.core.whenFinished("jnope").get()).isEmpty();
      assertThat(h.core.recentRoundTrips().get()).as("one dispatch-to-result time").hasSize(1);
      assertThat(s.attempts()).isEqualTo(1);
      assertThat(s.retries()).isZero();
      TaskStatus ts = h.task(job, "t0");
      assertThat(ts.result().getOutputsCount()).isEqualTo(1);
      assertThat(ts.attempts()).extracting(AttemptStatus::state).containsExactly(AttemptState.COMPLETED);
      // After the retention period the store answers, with the same facts.
      h.advance(61_000);
      h.settle();
      assertThat(h.job(job)).isEqualTo(s);
      assertThat(h.task(job, "t0")).isEqualTo(ts);
      w.succeed(t);
      assertThat(receipts(w)).as("a job no longer in memory is not known to the worker link").containsExactly(Disposition.DISPOSITION_UNKNOWN);
    }
  }

  @Test
  void aResultWithoutAckIsAcceptedAndARepeatIsNotAppliedTwice() throws Exception {
    resultWithoutAckAndDuplicate();
  }

  static void resultWithoutAckAndDuplicate() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 1_000, 0));
      TaskDescriptor t = only(w.dispatches());
      w.succeed(t);
      w.succeed(t);
      // The same stream never repeats by accident: a second answer is a replay (AcceptanceTest).
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_ACCEPTED, Disposition.DISPOSITION_REPLAYED);
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(h.job(job).counts().get(TaskState.SUCCEEDED)).isEqualTo(1);
    }
  }

  @Test
  void anExecutionFailureIsRetriedOnAnotherWorkerAfterBackoff() throws Exception {
    failureThenRetryElsewhere();
  }

  static void failureThenRetryElsewhere() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w1 = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 1_000, 0));
      TaskDescriptor first = only(w1.dispatches());
      FakeWorker w2 = h.worker("w2", 1);
      w1.accept(first);
      w1.result(first.getAttempt(), ResultStatus.RESULT_STATUS_FAILED);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.READY);
      assertThat(w2.dispatches()).as("backoff holds the retry").isEmpty();
      h.advance(1_000);
      TaskDescriptor second = only(w2.dispatches());
      assertThat(second.getAttempt().getAttempt()).isEqualTo(2);
      assertThat(w1.dispatches()).as("the retry prefers the other worker").isEmpty();
      w2.accept(second);
      w2.succeed(second);
      h.settle();
      assertThat(h.job(job).retries()).isEqualTo(1);
      assertThat(h.task(job, "t0").attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.FAILED, AttemptState.COMPLETED);
    }
  }

  @Test
  void aSpentBudgetFailsTheTaskButNotTheTasksThatDoNotNeedIt() throws Exception {
    budgetSpent();
  }

  static void budgetSpent() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 2);
      String job = h.submit(CoreHarness.addJob(2, 2, 1_000, 0));
      List<TaskDescriptor> sent = w.dispatches();
      assertThat(sent).hasSize(2);
      TaskDescriptor a1 = sent.get(0);
      w.result(a1.getAttempt(), ResultStatus.RESULT_STATUS_FAILED);
      h.advance(1_000);
      TaskDescriptor a2 = only(w.dispatches());
      assertThat(a2.getAttempt().getTaskId()).isEqualTo(a1.getAttempt().getTaskId());
      w.accept(a2);
      w.result(a2.getAttempt(), ResultStatus.RESULT_STATUS_FAILED);
      h.settle();
      assertThat(h.job(job).state()).as("the other task does not read this one: it runs on").isEqualTo(JobState.RUNNING);
      assertThat(w.drain()).noneMatch(OrchestratorMessage::hasCancel);
      w.accept(sent.get(1));
      w.succeed(sent.get(1));
      h.settle();
      JobStatus s = h.job(job);
      assertThat(s.state()).isEqualTo(JobState.FAILED);
      assertThat(s.counts().get(TaskState.FAILED)).isEqualTo(1);
      assertThat(s.counts().get(TaskState.SUCCEEDED)).as("the part that completed").isEqualTo(1);
      assertThat(s.error()).contains("retry budget spent");
    }
  }

  @Test
  void anInvalidResultIsRefusedAndRetriedThenFailsWhenTheBudgetIsSpent() throws Exception {
    invalidResults();
  }

  static void invalidResults() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 2, 1_000, 0));
      Tensor wrongShape = Tensor.float32(Shape.of(3), new float[] {1, 2, 3});
      TaskDescriptor a1 = only(w.dispatches());
      w.accept(a1);
      w.result(a1.getAttempt(), ResultStatus.RESULT_STATUS_OK, wrongShape);
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_INVALID);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.READY);
      h.advance(1_000);
      TaskDescriptor a2 = only(w.dispatches());
      w.result(a2.getAttempt(), ResultStatus.RESULT_STATUS_OK);
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_INVALID);
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.FAILED);
      assertThat(h.task(job, "t0").error()).contains("expected 1 outputs, got 0");
    }
  }

  @Test
  void rejectionsAtCapacityCostNothingButBadInputCostsARetry() throws Exception {
    rejections();
  }

  static void rejections() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 2, 1_000, 0));
      TaskDescriptor a1 = only(w.dispatches());
      w.reject(a1, RejectReason.REJECT_REASON_AT_CAPACITY);
      TaskDescriptor a2 = only(w.dispatches());
      assertThat(a2.getAttempt().getAttempt()).as("no backoff for an uncharged rejection").isEqualTo(2);
      assertThat(h.task(job, "t0").retriesUsed()).isZero();
      w.reject(a2, RejectReason.REJECT_REASON_BAD_INPUT);
      assertThat(h.task(job, "t0").retriesUsed()).isEqualTo(1);
      h.advance(1_000);
      TaskDescriptor a3 = only(w.dispatches());
      w.reject(a3, RejectReason.REJECT_REASON_DRAINING);
      assertThat(w.dispatches()).as("a draining worker gets nothing more").isEmpty();
      h.settle();
      assertThat(h.task(job, "t0").attempts())
          .extracting(AttemptStatus::state)
          .containsOnly(AttemptState.REJECTED);
    }
  }

  @Test
  void anAttemptPastItsDeadlineTimesOutAndALateResultIsKeptButNotApplied() throws Exception {
    timeoutThenLate();
  }

  static void timeoutThenLate() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 1_000, 0));
      TaskDescriptor a1 = only(w.dispatches());
      w.accept(a1);
      h.advance(1_499);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.RUNNING);
      h.advance(1);
      List<OrchestratorMessage> sent = w.drain();
      assertThat(sent).anyMatch(m -> m.hasCancel() && m.getCancel().getAttempt().equals(a1.getAttempt()));
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.READY);
      h.advance(1_000);
      assertThat(w.dispatches()).as("the timed-out attempt still holds the only slot").isEmpty();
      w.succeed(a1);
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_LATE);
      TaskDescriptor a2 = only(w.dispatches());
      w.accept(a2);
      w.succeed(a2);
      h.settle();
      assertThat(h.task(job, "t0").attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.LATE, AttemptState.COMPLETED);
    }
  }

  @Test
  void aFinishedJobWhoseAttemptsAllAnsweredLeavesMemorySoonerThanOneAwaitingALateResult() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String settled = h.submit(CoreHarness.addJob(1, 3, 10_000, 0));
      TaskDescriptor only = only(w.dispatches());
      w.accept(only);
      w.succeed(only);
      h.settle();
      h.advance(Core.SETTLED_KEPT_MILLIS - 1_000);
      w.drain();
      // Still known: the same answer again is recognised (and, on the same stream, a replay).
      w.succeed(only);
      assertThat(receipts(w)).last().isEqualTo(Disposition.DISPOSITION_REPLAYED);
      h.advance(2_000);
      w.drain();
      w.succeed(only);
      assertThat(receipts(w)).as("forgotten: nothing can be late for it").containsExactly(Disposition.DISPOSITION_UNKNOWN);
      assertThat(h.task(settled, "t0").state()).as("the store still answers for it").isEqualTo(TaskState.SUCCEEDED);
    }
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker slow = h.worker("w1", 1);
      h.submit(CoreHarness.addJob(1, 3, 1_000, 0));
      TaskDescriptor first = only(slow.dispatches());
      slow.accept(first);
      FakeWorker quick = h.worker("w2", 1);
      h.advance(1_500 + 1_000);
      TaskDescriptor second = only(quick.dispatches());
      quick.accept(second);
      quick.succeed(second);
      h.settle();
      // The first attempt timed out unanswered: its result may still come, so the job stays.
      h.advance(30_000);
      slow.drain();
      slow.succeed(first);
      assertThat(receipts(slow)).containsExactly(Disposition.DISPOSITION_LATE);
    }
  }

  @Test
  void aWorkerTimeoutAndADispatchedAttemptTimingOutBothRetry() throws Exception {
    workerTimeouts();
  }

  static void workerTimeouts() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 5, 1_000, 0));
      TaskDescriptor a1 = only(w.dispatches());
      w.result(a1.getAttempt(), ResultStatus.RESULT_STATUS_TIMED_OUT);
      h.advance(1_000);
      TaskDescriptor a2 = only(w.dispatches());
      // Never acknowledged: the orchestrator's own deadline ends it.
      h.advance(1_500);
      h.advance(2_000);
      TaskDescriptor a3 = only(w.dispatches());
      assertThat(a3.getAttempt().getAttempt()).isEqualTo(3);
      h.settle();
      assertThat(h.task(job, "t0").attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.TIMED_OUT, AttemptState.TIMED_OUT, AttemptState.DISPATCHED);
      assertThat(a2.getAttempt().getAttempt()).isEqualTo(2);
    }
  }

  @Test
  void aWorkerThatGoesQuietIsDroppedAndItsAttemptsAreLostAndRescheduled() throws Exception {
    missedHeartbeats();
  }

  static void missedHeartbeats() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker quiet = h.worker("quiet", 2);
      quiet.silent = true;
      String job = h.submit(CoreHarness.addJob(2, 3, 60_000, 0));
      List<TaskDescriptor> sent = quiet.dispatches();
      assertThat(sent).hasSize(2);
      quiet.accept(sent.get(0));
      FakeWorker alive = h.worker("alive", 2);
      h.advance(4 * CoreHarness.HEARTBEAT);
      assertThat(quiet.closedWith).isNotNull();
      assertThat(quiet.closedWith.getDescription()).contains("missed 3 heartbeats");
      h.advance(1_000);
      List<TaskDescriptor> retried = alive.dispatches();
      assertThat(retried).hasSize(2);
      // The quiet worker comes back with a result for a lost attempt: kept, not applied.
      quiet.succeed(sent.get(0));
      for (TaskDescriptor t : retried) {
        alive.accept(t);
        alive.succeed(t);
      }
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
      assertThat(h.task(job, sent.get(0).getAttempt().getTaskId()).attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.LATE, AttemptState.COMPLETED);
      assertThat(h.task(job, sent.get(1).getAttempt().getTaskId()).attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.LOST, AttemptState.COMPLETED);
    }
  }

  @Test
  void aBrokenStreamLosesAcceptedAttempts() throws Exception {
    brokenStream();
  }

  static void brokenStream() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      TaskDescriptor a1 = only(w.dispatches());
      w.accept(a1);
      w.disconnect("stream broken: UNAVAILABLE");
      FakeWorker w2 = h.worker("w2", 1);
      h.advance(1_000);
      TaskDescriptor a2 = only(w2.dispatches());
      w2.succeed(a2);
      h.settle();
      assertThat(h.task(job, "t0").attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.LOST, AttemptState.COMPLETED);
      assertThat(h.core.workers().get()).hasSize(1);
    }
  }

  @Test
  void cancellingAJobStopsRunningAttemptsAndHoldsTheirSlotsUntilConfirmed() throws Exception {
    cancel();
  }

  static void cancel() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 2);
      String job = h.submit(CoreHarness.addJob(4, 3, 60_000, 0));
      List<TaskDescriptor> sent = w.dispatches();
      assertThat(sent).hasSize(2);
      w.accept(sent.get(0));
      assertThat(h.core.cancel(job).get()).isEqualTo(CancelOutcome.CANCELLED);
      List<OrchestratorMessage> msgs = w.drain();
      assertThat(msgs.stream().filter(OrchestratorMessage::hasCancel)).hasSize(2);
      h.settle();
      JobStatus s = h.job(job);
      assertThat(s.state()).isEqualTo(JobState.CANCELLED);
      assertThat(s.counts().get(TaskState.CANCELLED)).isEqualTo(4);
      assertThat(h.core.cancel(job).get()).isEqualTo(CancelOutcome.ALREADY_FINISHED);
      assertThat(h.core.cancel("jnope").get()).isEqualTo(CancelOutcome.NOT_FOUND);
      // Slots stay reserved until the worker confirms: a new job waits.
      String next = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      assertThat(w.dispatches()).isEmpty();
      w.result(sent.get(0).getAttempt(), ResultStatus.RESULT_STATUS_CANCELLED);
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_LATE);
      TaskDescriptor n = only(w.dispatches());
      assertThat(n.getAttempt().getJobId()).isEqualTo(next);
      // The other one never confirms; its slot comes back after the hold.
      h.advance(2_000);
      h.settle();
      assertThat(h.core.workers().get().getFirst().reserved()).isEqualTo(1);
      assertThat(h.task(job, sent.get(0).getAttempt().getTaskId()).attempts())
          .extracting(AttemptStatus::state)
          .containsExactly(AttemptState.LATE);
    }
  }

  @Test
  void cancellingOneTaskStopsItAndLetsTheOthersFinish() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 2);
      String job = h.submit(CoreHarness.addJob(3, 3, 60_000, 0));
      List<TaskDescriptor> sent = w.dispatches();
      assertThat(sent).hasSize(2);
      String victim = sent.get(0).getAttempt().getTaskId();
      assertThat(h.core.cancelTask(job, victim).get()).isEqualTo(CancelOutcome.CANCELLED);
      assertThat(w.drain()).anyMatch(m -> m.hasCancel() && m.getCancel().getAttempt().equals(sent.get(0).getAttempt()));
      assertThat(h.core.cancelTask(job, victim).get()).isEqualTo(CancelOutcome.ALREADY_FINISHED);
      assertThat(h.core.cancelTask(job, "nope").get()).isEqualTo(CancelOutcome.NOT_FOUND);
      w.succeed(sent.get(1));
      w.result(sent.get(0).getAttempt(), ResultStatus.RESULT_STATUS_CANCELLED);
      w.succeed(only(w.dispatches()));
      h.settle();
      JobStatus s = h.job(job);
      assertThat(s.counts().get(TaskState.SUCCEEDED)).isEqualTo(2);
      assertThat(s.counts().get(TaskState.CANCELLED)).isEqualTo(1);
      assertThat(s.state()).isEqualTo(JobState.CANCELLED);
      assertThat(s.error()).contains("task " + victim + " was cancelled");
    }
  }

  @Test
  void aDeadlineExpiresUnfinishedTasks() throws Exception {
    deadline();
  }

  static void deadline() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(2, 3, 60_000, 5_000));
      TaskDescriptor a1 = only(w.dispatches());
      w.accept(a1);
      h.advance(5_000);
      h.settle();
      JobStatus s = h.job(job);
      assertThat(s.state()).isEqualTo(JobState.EXPIRED);
      assertThat(s.counts().get(TaskState.EXPIRED)).isEqualTo(2);
      assertThat(h.task(job, "t0").attempts()).extracting(AttemptStatus::state).containsExactly(AttemptState.CANCELLED);
    }
  }

  @Test
  void aDrainingWorkerHandsBackWithoutChargingTheTask() throws Exception {
    released();
  }

  static void released() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 2);
      String job = h.submit(CoreHarness.addJob(2, 1, 60_000, 0));
      List<TaskDescriptor> sent = w.dispatches();
      w.accept(sent.get(0));
      w.result(sent.get(0).getAttempt(), ResultStatus.RESULT_STATUS_RELEASED);
      w.result(sent.get(1).getAttempt(), ResultStatus.RESULT_STATUS_RELEASED);
      FakeWorker w2 = h.worker("w2", 2);
      List<TaskDescriptor> again = w2.dispatches();
      assertThat(again).hasSize(2);
      again.forEach(w2::succeed);
      h.settle();
      assertThat(h.job(job).state()).as("max_attempts=1 and still succeeded: releases are free").isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void anAttemptStillLiveAtGoodbyeWasNeverTakenAndIsHandedBackWithoutCharge() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker leaving = h.worker("leaving", 1);
      String job = h.submit(CoreHarness.addJob(1, 1, 60_000, 0));
      only(leaving.dispatches());
      h.core.goodbye(leaving.session, "drained");
      TaskStatus t = h.task(job, "t0");
      assertThat(t.attempts()).extracting(AttemptStatus::state).containsExactly(AttemptState.RELEASED);
      assertThat(t.retriesUsed()).isZero();
      assertThat(AcceptanceTest.judgements(h, leaving.peerId())).isEmpty();
      FakeWorker staying = h.worker("staying", 1);
      staying.succeed(only(staying.dispatches()));
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void onlyTheWorkerThatRanAnAttemptMaySubmitItsResult() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker owner = h.worker("owner", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      TaskDescriptor t = only(owner.dispatches());
      FakeWorker thief = h.worker("thief", 1);
      thief.succeed(t);
      assertThat(receipts(thief)).containsExactly(Disposition.DISPOSITION_UNKNOWN);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.RUNNING);
      owner.succeed(t);
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void aWorkerIsNeverSentMoreThanItsCapacity() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 3);
      h.submit(CoreHarness.addJob(10, 3, 60_000, 0));
      List<TaskDescriptor> first = w.dispatches();
      assertThat(first).hasSize(3);
      w.succeed(first.get(0));
      assertThat(w.dispatches()).hasSize(1);
      assertThat(h.core.workers().get().getFirst().reserved()).isEqualTo(3);
    }
  }

  @Test
  void tasksGoOnlyToWorkersWithTheOperator() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker other = h.worker("matmul-only", 4, "tensor.matmul@1");
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      assertThat(other.dispatches()).isEmpty();
      FakeWorker adder = h.worker("adder", 4);
      adder.succeed(only(adder.dispatches()));
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void everyTransitionInTheTableIsExercised() throws Exception {
    Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (AutoCloseable ignored = Transitions.observe((from, to) -> seen.add(from + "->" + to))) {
      happyPath();
      resultWithoutAckAndDuplicate();
      failureThenRetryElsewhere();
      budgetSpent();
      invalidResults();
      rejections();
      timeoutThenLate();
      workerTimeouts();
      missedHeartbeats();
      brokenStream();
      cancel();
      deadline();
      released();
      RecoveryScenarios.restartLosesRunningAttempts(new dev.shoal.orchestrator.internal.store.MemoryStore());
      AcceptanceTest.quorumAgreement();
      AcceptanceTest.quorumStopsSurplus();
      AcceptanceTest.quorumFails();
      AcceptanceTest.manualConfirm();
      AcceptanceTest.manualCancelAndExpire();
      AcceptanceTest.spotCheckAgrees();
      AcceptanceTest.spotCheckRecomputes();
      AcceptanceTest.validatingTransitions();
      AcceptanceTest.spotCheckWithNobodyLeft();
      TaskGraphTest.graphRuns();
      TaskGraphTest.failureIsolated();
      TaskGraphTest.cancelledReaders();
      TaskGraphTest.waitingExpires();
    }
    List<String> missing = new ArrayList<>();
    for (Map.Entry<TaskState, Set<TaskState>> e : Transitions.taskTable().entrySet()) {
      e.getValue().forEach(to -> check(seen, missing, e.getKey(), to));
    }
    for (Map.Entry<AttemptState, Set<AttemptState>> e : Transitions.attemptTable().entrySet()) {
      e.getValue().forEach(to -> check(seen, missing, e.getKey(), to));
    }
    assertThat(missing).as("transitions never exercised").isEmpty();
  }

  private static void check(Set<String> seen, List<String> missing, Enum<?> from, Enum<?> to) {
    if (!seen.contains(from + "->" + to)) {
      missing.add(from.getDeclaringClass().getSimpleName() + " " + from + "->" + to);
    }
  }

  static TaskDescriptor only(List<TaskDescriptor> dispatches) {
    assertThat(dispatches).hasSize(1);
    return dispatches.getFirst();
  }

  static List<Disposition> receipts(FakeWorker w) throws Exception {
    w.awaitCommit();
    List<Disposition> out = new ArrayList<>();
    for (OrchestratorMessage m : new ArrayList<>(w.inbox)) {
      if (m.hasReceipt()) {
        out.add(m.getReceipt().getDisposition());
        w.inbox.remove(m);
      }
    }
    return out;
  }

  static Set<String> ids(List<TaskDescriptor> ds) {
    Set<String> out = new HashSet<>();
    ds.forEach(d -> out.add(d.getAttempt().getTaskId()));
    return out;
  }
}
