package dev.shoal.orchestrator.internal.core;

import static dev.shoal.orchestrator.internal.core.LifecycleTest.only;
import static dev.shoal.orchestrator.internal.core.LifecycleTest.receipts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.OperatorRegistry;
import dev.shoal.orchestrator.internal.acceptance.Acceptance;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.acceptance.Check;
import dev.shoal.orchestrator.internal.acceptance.OperatorChecker;
import dev.shoal.orchestrator.internal.acceptance.ResultChecker;
import dev.shoal.orchestrator.internal.acceptance.Verdict;
import dev.shoal.orchestrator.internal.core.CoreHarness.FakeWorker;
import dev.shoal.orchestrator.internal.core.JobService.ConfirmOutcome;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.EventRecord;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Acceptance policies on a fake clock: quorum, manual confirmation, spot checks with
 * recomputation, and the refusals that protect them (replays, forged signatures). Votes need
 * valid results that disagree, which real validators would rarely let through, so most
 * scenarios use a checker that passes every result on to the vote ({@link #trusting()}); the
 * agreement and recomputation it uses are the real ones.
 */
class AcceptanceTest {

  private static final AcceptancePolicy TWO_OF_THREE = AcceptancePolicy.quorum(2, 3);

  @Test
  void twoAgreeingResultsOfThreeWinAndTheDissenterIsJudged() throws Exception {
    quorumAgreement();
  }

  static void quorumAgreement() throws Exception {
    try (CoreHarness h = trustingHarness(0)) {
      FakeWorker w1 = h.worker("w1", 1);
      FakeWorker w2 = h.worker("w2", 1);
      FakeWorker w3 = h.worker("w3", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0, TWO_OF_THREE));
      TaskDescriptor t1 = only(w1.dispatches());
      TaskDescriptor t2 = only(w2.dispatches());
      TaskDescriptor t3 = only(w3.dispatches());
      assertThat(List.of(t1, t2, t3)).extracting(t -> t.getAttempt().getAttempt()).containsExactly(1, 2, 3);
      w1.succeed(t1);
      w2.lie(t2, 1);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.RUNNING);
      w3.succeed(t3);
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.SUCCEEDED);
      Acceptance a = s.acceptance();
      assertThat(a.policy()).isEqualTo("quorum(2 of 3)");
      assertThat(a.decidedBy()).isEqualTo("quorum");
      assertThat(a.peer()).isEqualTo(w1.peerId());
      assertThat(a.agreeing()).containsExactly(w3.peerId());
      assertThat(a.checks()).extracting(Acceptance.Entry::attempt).contains(1, 2, 3);
      assertThat(s.attempts().get(1).detail()).startsWith("outvoted");
      assertThat(judgements(h, w2.peerId())).contains("disagreed");
      assertThat(judgements(h, w1.peerId())).as("nothing held against the winner").isEmpty();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void aQuorumReachedEarlyStopsTheSurplusAttempt() throws Exception {
    quorumStopsSurplus();
  }

  static void quorumStopsSurplus() throws Exception {
    try (CoreHarness h = trustingHarness(0)) {
      FakeWorker w1 = h.worker("w1", 1);
      FakeWorker w2 = h.worker("w2", 1);
      FakeWorker w3 = h.worker("w3", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0, TWO_OF_THREE));
      TaskDescriptor t1 = only(w1.dispatches());
      TaskDescriptor t2 = only(w2.dispatches());
      TaskDescriptor t3 = only(w3.dispatches());
      w1.accept(t1);
      w1.succeed(t1);
      w2.succeed(t2);
      h.settle();
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(w3.drain()).filteredOn(OrchestratorMessage::hasCancel).hasSize(1);
      assertThat(h.task(job, "t0").attempts().get(2).state()).isEqualTo(AttemptState.CANCELLED);
      w3.succeed(t3);
      assertThat(receipts(w3)).containsExactly(Disposition.DISPOSITION_LATE);
      assertThat(judgements(h, w3.peerId())).isEmpty();
    }
  }

  @Test
  void disagreementAsksForMoreAttemptsOnOtherWorkers() throws Exception {
    try (CoreHarness h = trustingHarness(0)) {
      FakeWorker w1 = h.worker("w1", 1);
      FakeWorker w2 = h.worker("w2", 1);
      FakeWorker w3 = h.worker("w3", 1);
      String job = h.submit(CoreHarness.addJob(1, 2, 60_000, 0, TWO_OF_THREE));
      w1.succeed(only(w1.dispatches()));
      w2.lie(only(w2.dispatches()), 1);
      w3.lie(only(w3.dispatches()), 2);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.READY);
      assertThat(w1.dispatches()).as("never twice on the same worker").isEmpty();
      FakeWorker w4 = h.worker("w4", 1);
      TaskDescriptor fourth = only(w4.dispatches());
      assertThat(fourth.getAttempt().getAttempt()).isEqualTo(4);
      w4.succeed(fourth);
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(s.acceptance().agreeing()).containsExactly(w4.peerId());
      assertThat(judgements(h, w2.peerId())).contains("disagreed");
      assertThat(judgements(h, w3.peerId())).contains("disagreed");
    }
  }

  @Test
  void aQuorumThatCannotFormFailsAndShowsTheDisagreement() throws Exception {
    quorumFails();
  }

  static void quorumFails() throws Exception {
    try (CoreHarness h = trustingHarness(0)) {
      FakeWorker w1 = h.worker("w1", 1);
      FakeWorker w2 = h.worker("w2", 1);
      FakeWorker w3 = h.worker("w3", 1);
      h.worker("w4", 1);
      String job = h.submit(CoreHarness.addJob(1, 1, 60_000, 0, TWO_OF_THREE));
      w1.succeed(only(w1.dispatches()));
      w2.lie(only(w2.dispatches()), 1);
      w3.lie(only(w3.dispatches()), 2);
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.FAILED);
      assertThat(s.error())
          .contains("no 2 results agree")
          .contains(w1.peerId())
          .contains(w2.peerId())
          .contains(w3.peerId());
      assertThat(h.job(job).state()).isEqualTo(JobState.FAILED);
    }
  }

  @Test
  void aQuorumWaitsForDistinctWorkersWithoutHoldingUpOtherTasks() throws Exception {
    try (CoreHarness h = trustingHarness(0)) {
      FakeWorker w1 = h.worker("w1", 4);
      String job = h.submit(CoreHarness.addJob(2, 3, 60_000, 0, AcceptancePolicy.quorum(2, 2)));
      List<TaskDescriptor> first = w1.dispatches();
      assertThat(first).extracting(t -> t.getAttempt().getTaskId()).containsExactlyInAnyOrder("t0", "t1");
      first.forEach(w1::succeed);
      assertThat(w1.dispatches()).as("a second vote never comes from the same worker").isEmpty();
      FakeWorker w2 = h.worker("w2", 4);
      List<TaskDescriptor> second = w2.dispatches();
      assertThat(second).hasSize(2);
      second.forEach(w2::succeed);
      h.settle();
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void manualAcceptanceKeepsValidResultsUntilTheClientConfirmsOne() throws Exception {
    manualConfirm();
  }

  static void manualConfirm() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w1 = h.worker("w1", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0, AcceptancePolicy.MANUAL));
      TaskDescriptor t = only(w1.dispatches());
      w1.succeed(t);
      assertThat(receipts(w1)).containsExactly(Disposition.DISPOSITION_ACCEPTED);
      TaskStatus waiting = h.task(job, "t0");
      assertThat(waiting.state()).isEqualTo(TaskState.AWAITING_CONFIRMATION);
      assertThat(waiting.candidates()).singleElement().satisfies(c -> {
        assertThat(c.attempt()).isEqualTo(1);
        assertThat(c.peerId()).isEqualTo(w1.peerId());
        assertThat(c.checks()).extracting(Check::method).contains("sampled_recompute");
      });
      assertThat(h.job(job).state()).as("the job waits for the client").isEqualTo(JobState.RUNNING);
      assertThat(h.core.confirm(job, "t0", 2).get()).isEqualTo(ConfirmOutcome.NO_SUCH_RESULT);
      assertThat(h.core.confirm(job, "nope", 1).get()).isEqualTo(ConfirmOutcome.NOT_FOUND);
      assertThat(h.core.confirm(job, "t0", 1).get()).isEqualTo(ConfirmOutcome.CONFIRMED);
      h.settle();
      TaskStatus done = h.task(job, "t0");
      assertThat(done.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(done.acceptance().decidedBy()).isEqualTo("confirmed");
      assertThat(done.candidates()).isEmpty();
      assertThat(h.core.confirm(job, "t0", 1).get()).isEqualTo(ConfirmOutcome.NOT_AWAITING);
      assertThat(h.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  @Test
  void aTaskAwaitingConfirmationCanBeCancelledOrExpire() throws Exception {
    manualCancelAndExpire();
  }

  static void manualCancelAndExpire() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w1 = h.worker("w1", 2);
      String cancelled = h.submit(CoreHarness.addJob(1, 3, 60_000, 0, AcceptancePolicy.MANUAL));
      String expiring = h.submit(CoreHarness.addJob(1, 3, 60_000, 5_000, AcceptancePolicy.MANUAL));
      w1.dispatches().forEach(w1::succeed);
      assertThat(h.task(cancelled, "t0").state()).isEqualTo(TaskState.AWAITING_CONFIRMATION);
      assertThat(h.core.cancelTask(cancelled, "t0").get()).isEqualTo(CancelOutcome.CANCELLED);
      assertThat(h.task(cancelled, "t0").state()).isEqualTo(TaskState.CANCELLED);
      h.advance(5_000);
      h.settle();
      assertThat(h.task(expiring, "t0").state()).isEqualTo(TaskState.EXPIRED);
    }
  }

  @Test
  void aSpotCheckThatAgreesLetsTheFirstResultStand() throws Exception {
    spotCheckAgrees();
  }

  static void spotCheckAgrees() throws Exception {
    try (CoreHarness h = new CoreHarness(new MemoryStore(), 1.0)) {
      FakeWorker w1 = h.worker("w1", 1);
      FakeWorker w2 = h.worker("w2", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      TaskDescriptor first = only(w1.dispatches());
      assertThat(w2.dispatches()).as("a spot check is decided once a result is in").isEmpty();
      w1.succeed(first);
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.RUNNING);
      TaskDescriptor spot = only(w2.dispatches());
      w2.succeed(spot);
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(s.acceptance().decidedBy()).isEqualTo("spot_checked");
      assertThat(s.acceptance().peer()).isEqualTo(w1.peerId());
      assertThat(s.acceptance().agreeing()).containsExactly(w2.peerId());
    }
  }

  @Test
  void aSpotCheckWithNoOtherWorkerLeftDoesNotHoldTheTaskForever() throws Exception {
    spotCheckWithNobodyLeft();
  }

  static void spotCheckWithNobodyLeft() throws Exception {
    try (CoreHarness h = new CoreHarness(new MemoryStore(), 1.0)) {
      FakeWorker w1 = h.worker("w1", 1);
      FakeWorker w2 = h.worker("w2", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      w1.succeed(only(w1.dispatches()));
      only(w2.dispatches());
      w2.disconnect("crashed");
      h.advance(1_000);
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(s.acceptance().decidedBy()).isEqualTo("validated");
      assertThat(s.acceptance().checks()).extracting(Acceptance.Entry::method).contains("spot_check");
    }
  }

  @Test
  void aSpotCheckThatDisagreesIsSettledByRecomputingAndTheLiarIsJudged() throws Exception {
    spotCheckRecomputes();
  }

  static void spotCheckRecomputes() throws Exception {
    try (CoreHarness h = new CoreHarness(new MemoryStore(), 1.0, trusting())) {
      FakeWorker liar = h.worker("liar", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      TaskDescriptor first = only(liar.dispatches());
      FakeWorker honest = h.worker("honest", 1);
      liar.lie(first, 0.5f);
      honest.succeed(only(honest.dispatches()));
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(s.acceptance().decidedBy()).isEqualTo("recomputed");
      assertThat(s.acceptance().peer()).isEqualTo(honest.peerId());
      assertThat(s.acceptance().checks())
          .filteredOn(c -> c.method().equals("full_recompute"))
          .extracting(Acceptance.Entry::peer, Acceptance.Entry::passed)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(liar.peerId(), false),
              org.assertj.core.groups.Tuple.tuple(honest.peerId(), true));
      assertThat(judgements(h, liar.peerId())).contains("disagreed");
      assertThat(judgements(h, honest.peerId())).doesNotContain("disagreed");
    }
  }

  @Test
  void aWrongResultFailsValidationAndIsRetriedElsewhere() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker liar = h.worker("liar", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      TaskDescriptor t = only(liar.dispatches());
      FakeWorker honest = h.worker("honest", 1);
      liar.lie(t, 0.01f);
      liar.awaitCommit();
      OrchestratorMessage receipt = liar.drain().stream().filter(OrchestratorMessage::hasReceipt).findFirst().orElseThrow();
      assertThat(receipt.getReceipt().getDisposition()).isEqualTo(Disposition.DISPOSITION_INVALID);
      assertThat(receipt.getReceipt().getDetail()).startsWith("sampled_recompute");
      assertThat(judgements(h, liar.peerId())).contains("invalid_result");
      h.advance(1_000);
      honest.succeed(only(honest.dispatches()));
      h.settle();
      TaskStatus s = h.task(job, "t0");
      assertThat(s.state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(s.acceptance().decidedBy()).isEqualTo("validated");
      assertThat(s.acceptance().checks())
          .filteredOn(c -> c.attempt() == 1)
          .extracting(Acceptance.Entry::passed)
          .contains(false);
      assertThat(s.attempts().getFirst().detail()).startsWith("invalid: sampled_recompute");
    }
  }

  @Test
  void aRepeatOnTheSameStreamIsAReplayButARetransmissionAfterAReconnectIsADuplicate() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker w = h.worker("w1", 2);
      String job = h.submit(CoreHarness.addJob(2, 3, 60_000, 0));
      List<TaskDescriptor> sent = w.dispatches();
      w.succeed(sent.get(0));
      w.succeed(sent.get(0));
      assertThat(receipts(w)).containsExactly(Disposition.DISPOSITION_ACCEPTED, Disposition.DISPOSITION_REPLAYED);
      assertThat(judgements(h, w.peerId())).contains("replayed");
      FakeWorker again = h.reconnect(w);
      again.succeed(sent.get(0));
      assertThat(receipts(again)).containsExactly(Disposition.DISPOSITION_DUPLICATE);
      again.lie(sent.get(0), 1);
      assertThat(receipts(again)).as("a different result for an answered attempt").containsExactly(Disposition.DISPOSITION_REPLAYED);
      h.settle();
      assertThat(h.task(job, "t0").state()).isEqualTo(TaskState.SUCCEEDED);
      assertThat(h.task(job, "t0").acceptance().checks()).hasSizeLessThan(5);
    }
  }

  @Test
  void aForgedResultFailsItsAttemptAndIsNeverApplied() throws Exception {
    try (CoreHarness h = new CoreHarness()) {
      FakeWorker forger = h.worker("forger", 1);
      String job = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      TaskDescriptor t = only(forger.dispatches());
      FakeWorker honest = h.worker("honest", 1);
      h.core.forged(forger.session, ResultDescriptor.newBuilder().setAttempt(t.getAttempt()).setStatus(ResultStatus.RESULT_STATUS_OK).build());
      assertThat(receipts(forger)).containsExactly(Disposition.DISPOSITION_BAD_SIGNATURE);
      assertThat(judgements(h, forger.peerId())).contains("bad_signature");
      assertThat(h.task(job, "t0").attempts().getFirst().state()).isEqualTo(AttemptState.FAILED);
      h.advance(1_000);
      honest.succeed(only(honest.dispatches()));
      h.settle();
      assertThat(h.task(job, "t0").acceptance().peer()).isEqualTo(honest.peerId());
    }
  }

  @Test
  void resultsUnderValidationKeepTheTaskValidatingThroughMoreAttemptsCancelAndExpiry() throws Exception {
    validatingTransitions();
  }

  /**
   * With validations held, the task sits in VALIDATING: a quorum that loses a vote sends more
   * attempts from there; a manual task goes on to await confirmation; cancel and expiry end it.
   */
  static void validatingTransitions() throws Exception {
    try (CoreHarness h = trustingHarness(0)) {
      FakeWorker w1 = h.worker("w1", 3);
      FakeWorker w2 = h.worker("w2", 3);
      FakeWorker w3 = h.worker("w3", 3);
      FakeWorker w4 = h.worker("w4", 3);
      String quorum = h.submit(CoreHarness.addJob(1, 3, 60_000, 0, TWO_OF_THREE));
      h.holdValidations = true;
      w1.succeed(only(w1.dispatches()));
      w2.succeed(only(w2.dispatches()));
      assertThat(h.task(quorum, "t0").state()).isEqualTo(TaskState.RUNNING);
      // A malformed third result is refused at once; the two held ones still count as outstanding.
      w3.result(only(w3.dispatches()).getAttempt(), ResultStatus.RESULT_STATUS_OK);
      assertThat(h.task(quorum, "t0").state()).isEqualTo(TaskState.VALIDATING);
      h.advance(1_000);
      assertThat(w4.dispatches()).as("after the backoff a replacement goes out while the others are checked").hasSize(1);
      assertThat(h.task(quorum, "t0").state()).isEqualTo(TaskState.RUNNING);
      h.releaseValidations();
      h.settle();
      assertThat(h.task(quorum, "t0").state()).isEqualTo(TaskState.SUCCEEDED);

      String manual = h.submit(CoreHarness.addJob(1, 3, 60_000, 0, AcceptancePolicy.MANUAL));
      String cancelled = h.submit(CoreHarness.addJob(1, 3, 60_000, 0));
      String expiring = h.submit(CoreHarness.addJob(1, 3, 60_000, 5_000));
      h.holdValidations = true;
      for (FakeWorker w : List.of(w1, w2, w3, w4)) {
        w.dispatches().forEach(w::succeed);
      }
      assertThat(h.task(manual, "t0").state()).isEqualTo(TaskState.VALIDATING);
      assertThat(h.task(cancelled, "t0").state()).isEqualTo(TaskState.VALIDATING);
      h.core.cancel(cancelled).get();
      h.advance(5_000);
      h.releaseValidations();
      h.settle();
      assertThat(h.task(manual, "t0").state()).isEqualTo(TaskState.AWAITING_CONFIRMATION);
      assertThat(h.task(cancelled, "t0").state()).isEqualTo(TaskState.CANCELLED);
      assertThat(h.task(expiring, "t0").state()).isEqualTo(TaskState.EXPIRED);
    }
  }

  @Test
  void keptResultsAndAcceptanceRecordsSurviveARestart() throws Exception {
    StateStore store = new MemoryStore();
    String job;
    try (CoreHarness before = new CoreHarness(new ForwardingStore(store))) {
      FakeWorker w = before.worker("w1", 2);
      job = before.submit(CoreHarness.addJob(2, 3, 60_000, 0, AcceptancePolicy.MANUAL));
      w.dispatches().forEach(w::succeed);
      assertThat(before.core.confirm(job, "t1", 1).get()).isEqualTo(ConfirmOutcome.CONFIRMED);
      before.settle();
    }
    try (CoreHarness after = new CoreHarness(new ForwardingStore(store))) {
      TaskStatus waiting = after.task(job, "t0");
      assertThat(waiting.state()).isEqualTo(TaskState.AWAITING_CONFIRMATION);
      assertThat(waiting.candidates()).extracting(TaskStatus.CandidateStatus::attempt).containsExactly(1);
      assertThat(after.task(job, "t1").acceptance().decidedBy()).isEqualTo("confirmed");
      assertThat(after.core.confirm(job, "t0", 1).get()).isEqualTo(ConfirmOutcome.CONFIRMED);
      after.settle();
      assertThat(after.job(job).state()).isEqualTo(JobState.SUCCEEDED);
    }
  }

  // ---------------------------------------------------------------- support

  static CoreHarness trustingHarness(double spotChecks) {
    return new CoreHarness(new MemoryStore(), spotChecks, trusting());
  }

  /** Passes every result on to the vote; agreement and recomputation are the real ones. */
  static ResultChecker trusting() {
    OperatorChecker real = new OperatorChecker(OperatorRegistry.standard());
    return new ResultChecker() {
      @Override
      public boolean checksContent(String operator) {
        return true;
      }

      @Override
      public Verdict validate(TaskDescriptor task, ResultDescriptor result, boolean light, RandomGenerator random) {
        return Verdict.of(List.of(Check.passed("trusted_by_test", "")));
      }

      @Override
      public boolean agree(TaskDescriptor task, ResultDescriptor a, ResultDescriptor b, RandomGenerator random) {
        return real.agree(task, a, b, random);
      }

      @Override
      public Verdict recompute(TaskDescriptor task, ResultDescriptor result) {
        return real.recompute(task, result);
      }
    };
  }

  /** The kinds of judgement recorded about a worker, oldest first. */
  static List<String> judgements(CoreHarness h, String peerId) throws Exception {
    h.settle();
    return h.store.events(0, 100_000).stream()
        .filter(e -> e.kind().equals("judgement") && e.peerId().equals(peerId))
        .map(EventRecord::to)
        .toList();
  }
}
