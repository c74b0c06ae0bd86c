package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.TensorSpec;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dispatch: acknowledgement, execution, rejections, duplicates, timeouts and cancels. */
class WorkerDispatchSpecTest extends WorkerSpecSupport {

  private static final Duration QUIET = Duration.ofMillis(150);

  @Test
  void anAddIsAcceptedThenAnsweredWithTheSum() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-add", "tensor.add@1", float32(1, 2), float32(10, 20)).build());

    TaskAck ack = call.awaitAck("t-add");
    assertThat(ack.getAccepted()).isTrue();
    assertThat(ack.getReason()).isEqualTo(RejectReason.REJECT_REASON_UNSPECIFIED);
    assertThat(ack.getAttempt()).isEqualTo(attempt("t-add", 1));
    ResultDescriptor r = call.awaitResult("t-add");
    assertThat(r.getAttempt()).isEqualTo(attempt("t-add", 1));
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(r.getOutputsCount()).isEqualTo(1);
    assertThat(r.getOutputs(0).getTensor().getDtype()).isEqualTo(dev.shoal.protocol.v1.DType.DTYPE_FLOAT32);
    assertThat(r.getOutputs(0).getTensor().getShapeList()).containsExactly(2L);
    assertThat(floats(r.getOutputs(0))).containsExactly(11f, 22f);
    assertThat(call.indexOf(m -> m.hasAck())).isLessThan(call.indexOf(m -> m.hasResult()));
    assertThat(call.acks("t-add")).hasSize(1);
    assertThat(call.results("t-add")).hasSize(1);
  }

  // ---- rejections -------------------------------------------------------------------------

  @Test
  void anUnknownOperatorIsRejectedUnsupported() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-fft", "tensor.fft@1", float32(1)).build());

    assertRejected(call, "t-fft", RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR);
    assertThat(call.acks("t-fft").getFirst().getDetail()).contains("tensor.fft@1");
  }

  @Test
  void aTaskOverMaxTaskBytesIsRejectedOverResourceLimitAndNotRun() {
    SlowOperator slow = new SlowOperator();
    start(config().maxTaskBytes(4096).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    // 4 000 bytes of input and 4 000 of output: 8 000 > 4 096.
    call.dispatch(task("t-big", SlowOperator.ID, float32(new float[1000])).build());

    assertRejected(call, "t-big", RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT);
    assertThat(call.acks("t-big").getFirst().getDetail()).contains("8000").contains("4096");
    assertThat(slow.started).hasValue(0);
  }

  @Test
  void aTaskJustUnderMaxTaskBytesIsAccepted() {
    start(config().maxTaskBytes(4096));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    // 3 × 1 360 = 4 080 bytes of inputs and output.
    call.dispatch(task("t-fits", "tensor.add@1", float32(new float[340]), float32(new float[340])).build());

    assertThat(call.awaitAck("t-fits").getAccepted()).isTrue();
    assertThat(call.awaitResult("t-fits").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
  }

  @Test
  void attemptZeroIsMalformedAndRejectedBadInput() {
    SlowOperator slow = new SlowOperator();
    start(config().operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-zero", SlowOperator.ID, float32(1)).setAttempt(attempt("t-zero", 0)).build());

    assertRejected(call, "t-zero", RejectReason.REJECT_REASON_BAD_INPUT);
    assertThat(call.acks("t-zero").getFirst().getDetail()).contains("attempt");
    assertThat(slow.started).hasValue(0);
  }

  @Test
  void badIdsAreMalformedAndRejectedBadInput() {
    SlowOperator slow = new SlowOperator();
    start(config().operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(
        task("t-ids", SlowOperator.ID, float32(1))
            .setAttempt(AttemptRef.newBuilder().setJobId("job 7; drop table").setTaskId("t-ids").setAttempt(1))
            .build());
    call.dispatch(
        task("t-long", SlowOperator.ID, float32(1))
            .setAttempt(AttemptRef.newBuilder().setJobId(JOB).setTaskId("t-long" + "x".repeat(64)).setAttempt(1))
            .build());
    call.dispatch(task("t-no-timeout", SlowOperator.ID, float32(1)).setTimeoutMs(0).build());

    assertRejected(call, "t-ids", RejectReason.REJECT_REASON_BAD_INPUT);
    assertThat(call.acks("t-ids").getFirst().getDetail()).contains("job_id");
    assertRejected(call, "t-long" + "x".repeat(64), RejectReason.REJECT_REASON_BAD_INPUT);
    assertRejected(call, "t-no-timeout", RejectReason.REJECT_REASON_BAD_INPUT);
    assertThat(call.acks("t-no-timeout").getFirst().getDetail()).contains("timeout_ms");
    assertThat(slow.started).hasValue(0);
  }

  @Test
  void aShapeMismatchIsRejectedBadInputWithTheOperatorsMessage() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    String expected =
        catchThrowableOfType(
                OperatorException.class,
                () ->
                    OperatorRegistry.standard()
                        .require(OperatorId.parse("tensor.add@1"))
                        .outputSpecs(
                            List.of(
                                new TensorSpec(DType.FLOAT32, Shape.of(2)), new TensorSpec(DType.FLOAT32, Shape.of(3))),
                            Attributes.empty()))
            .getMessage();

    call.dispatch(task("t-shape", "tensor.add@1", float32(1, 2), float32(1, 2, 3)).build());

    assertRejected(call, "t-shape", RejectReason.REJECT_REASON_BAD_INPUT);
    assertThat(call.acks("t-shape").getFirst().getDetail()).isEqualTo(expected);
  }

  @Test
  void aDataRefInputIsRejectedBadInputAndNotRun() {
    SlowOperator slow = new SlowOperator();
    start(config().operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-ref", SlowOperator.ID, dataRef()).build());

    assertRejected(call, "t-ref", RejectReason.REJECT_REASON_BAD_INPUT);
    assertThat(call.acks("t-ref").getFirst().getDetail()).contains("DataRef");
    assertThat(slow.started).hasValue(0);
  }

  @Test
  void aDispatchWhileTheOnlySlotIsHeldIsRejectedAtCapacity() {
    SlowOperator slow = new SlowOperator();
    start(config().maxConcurrentTasks(1).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-hold", SlowOperator.ID, float32(1)).build());
    assertThat(call.awaitAck("t-hold").getAccepted()).isTrue();
    call.dispatch(task("t-more", SlowOperator.ID, float32(2)).build());

    assertRejected(call, "t-more", RejectReason.REJECT_REASON_AT_CAPACITY);
    slow.release();
    assertThat(call.awaitResult("t-hold").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(slow.started).hasValue(1);
    assertThat(call.results("t-more")).isEmpty();
  }

  // ---- duplicates, timeouts, cancels -----------------------------------------------------

  @Test
  void aDuplicateDispatchOfARunningAttemptIsAckedAgainAndRunOnce() {
    SlowOperator slow = new SlowOperator();
    start(config().operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    TaskDescriptor t = task("t-dup", SlowOperator.ID, float32(7)).build();

    call.dispatch(t);
    assertThat(call.awaitAck("t-dup").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);
    call.dispatch(t);

    await().until(() -> call.acks("t-dup").size() == 2);
    assertThat(call.acks("t-dup")).allSatisfy(a -> assertThat(a.getAccepted()).isTrue());
    slow.release();
    assertThat(call.awaitResult("t-dup").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> call.results("t-dup").size() == 1);
    assertThat(slow.started).hasValue(1);
  }

  @Test
  void aFinishedAttemptDispatchedAgainAfterAReconnectRunsAgainAndAnswers() {
    start(config());
    OrchestratorDouble.Call first = orchestrator.awaitWelcomed(0);
    TaskDescriptor t = task("t-lost", "tensor.add@1", float32(1), float32(2)).build();
    first.dispatch(t);
    assertThat(first.awaitResult("t-lost").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);

    // The orchestrator restarts without having recorded the attempt, and dispatches it again
    // under the same number: the result it never kept must come again.
    first.close(Status.UNAVAILABLE);
    OrchestratorDouble.Call second = orchestrator.awaitWelcomed(1);
    second.dispatch(t);

    ResultDescriptor r = second.awaitResult("t-lost");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(floats(r.getOutputs(0))).containsExactly(3f);
  }

  @Test
  void aSlowTaskPastItsTimeoutReportsTimedOutAndFreesItsSlot() {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().maxConcurrentTasks(1).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-late", SlowOperator.ID, float32(1)).setTimeoutMs(100).build());

    assertThat(call.awaitAck("t-late").getAccepted()).isTrue();
    ResultDescriptor r = call.awaitResult("t-late");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_TIMED_OUT);
    assertThat(r.getOutputsCount()).isZero();
    await().until(() -> slow.interrupted.get() == 1);
    assertThat(worker.running()).isZero();

    // The one slot is free again: the next dispatch is accepted.
    call.dispatch(task("t-next", SlowOperator.ID, float32(2)).build());
    assertThat(call.awaitAck("t-next").getAccepted()).isTrue();
    slow.release();
    assertThat(call.awaitResult("t-next").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(call.results("t-late")).hasSize(1);
  }

  @Test
  void aTimedOutStragglerThatIgnoresInterruptsFreesItsSlotAndNeverReportsTwice() {
    SlowOperator straggler = SlowOperator.ignoringInterrupts();
    Worker worker = start(config().maxConcurrentTasks(1).operators(straggler.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.dispatch(task("t-deaf", SlowOperator.ID, float32(1)).setTimeoutMs(100).build());
    assertThat(call.awaitResult("t-deaf").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_TIMED_OUT);
    await().until(() -> straggler.interrupted.get() == 1);
    assertThat(worker.running()).isZero();

    // Its computation is still running, yet the slot is free for the next attempt.
    call.dispatch(task("t-after", "tensor.add@1", float32(1), float32(2)).build());
    assertThat(call.awaitAck("t-after").getAccepted()).isTrue();
    assertThat(call.awaitResult("t-after").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);

    straggler.release();
    await().until(() -> straggler.completed.get() == 1);
    call.assertNoResultFor("t-none", QUIET);
    assertThat(call.results("t-deaf")).hasSize(1);
  }

  @Test
  void aDuplicateDispatchOfAFinishedAttemptIsAckedAgainButNotRerun() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    TaskDescriptor t = task("t-again", "tensor.add@1", float32(1), float32(1)).build();
    call.dispatch(t);
    assertThat(call.awaitResult("t-again").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);

    call.dispatch(t);

    await().until(() -> call.acks("t-again").size() == 2);
    assertThat(call.acks("t-again").get(1)).isEqualTo(call.acks("t-again").get(0));
    await().during(QUIET).atMost(Duration.ofSeconds(3)).until(() -> call.results("t-again").size() == 1);
  }

  @Test
  void theNextAttemptOfATaskIsANewAttemptAndRuns() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(task("t-retry", "tensor.add@1", float32(1), float32(1)).build());
    assertThat(call.awaitResult("t-retry").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);

    call.dispatch(task("t-retry", "tensor.add@1", float32(2), float32(2)).setAttempt(attempt("t-retry", 2)).build());

    await().until(() -> call.results("t-retry").size() == 2);
    ResultDescriptor second = call.results("t-retry").get(1);
    assertThat(second.getAttempt().getAttempt()).isEqualTo(2);
    assertThat(floats(second.getOutputs(0))).containsExactly(4f);
  }

  @Test
  void cancelAttemptStopsTheRunAndReportsCancelled() {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    TaskDescriptor t = task("t-cancel", SlowOperator.ID, float32(1)).build();
    call.dispatch(t);
    assertThat(call.awaitAck("t-cancel").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);

    call.cancel(t, "job cancelled by its owner");

    ResultDescriptor r = call.awaitResult("t-cancel");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_CANCELLED);
    assertThat(r.getOutputsCount()).isZero();
    assertThat(r.getDiagnostics().getMessage()).contains("job cancelled by its owner");
    await().until(() -> slow.interrupted.get() == 1);
    assertThat(worker.running()).isZero();
    await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(3)).until(() -> call.results("t-cancel").size() == 1);
  }

  @Test
  void aCancelForAnAttemptNeverSentChangesNothing() {
    start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    call.cancel(task("t-ghost", "tensor.add@1").build(), "stale");
    call.dispatch(task("t-after", "tensor.add@1", float32(1), float32(2)).build());

    assertThat(call.awaitResult("t-after").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(call.results("t-ghost")).isEmpty();
    assertThat(call.acks("t-ghost")).isEmpty();
  }

  /** A rejection with {@code reason}, exactly one ack, and no result: the task did not run. */
  private static void assertRejected(OrchestratorDouble.Call call, String taskId, RejectReason reason) {
    TaskAck ack = call.awaitAck(taskId);
    assertThat(ack.getAccepted()).as("accepted").isFalse();
    assertThat(ack.getReason()).isEqualTo(reason);
    assertThat(ack.getDetail()).isNotBlank();
    call.assertNoResultFor(taskId, QUIET);
    assertThat(call.acks(taskId)).hasSize(1);
  }
}
