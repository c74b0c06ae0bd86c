package dev.shoal.worker;

import static dev.shoal.worker.Tasks.dataRef;
import static dev.shoal.worker.Tasks.ints;
import static dev.shoal.worker.Tasks.task;
import static dev.shoal.worker.Tasks.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Dispatch, acknowledgement, execution and results. */
class WorkerTaskTest extends WorkerTestSupport {

  @Test
  void anAddTaskIsAcceptedThenReturnsTheSum() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-add", "tensor.add@1", vector(1, 2, 3), vector(10, 20, 30)).build());

    TaskAck ack = s.ack("t-add");
    assertThat(ack.getAccepted()).isTrue();
    assertThat(ack.getReason()).isEqualTo(RejectReason.REJECT_REASON_UNSPECIFIED);
    ResultDescriptor r = s.result("t-add");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(r.getAttempt()).isEqualTo(ack.getAttempt());
    assertThat(r.getOutputsCount()).isEqualTo(1);
    assertThat(r.getOutputs(0).getTensor().getShapeList()).containsExactly(3L);
    assertThat(Tasks.floats(r.getOutputs(0))).containsExactly(11, 22, 33);
    assertThat(r.getDiagnostics().getErrorKind()).isEmpty();
    assertThat(s.indexOf(m -> m.hasAck())).isLessThan(s.indexOf(m -> m.hasResult()));
  }

  @Test
  void aCheapOperatorRunsInlineAndItsResultStandsForTheAck() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-noop", "shoal.noop@1", vector(1)).build());

    ResultDescriptor r = s.result("t-noop");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(r.getOutputsCount()).isZero();
    assertThat(s.acks("t-noop")).as("the immediate result implies acceptance").isEmpty();
  }

  @Test
  void anUnknownOperatorIsRejected() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-fft", "tensor.fft@1", vector(1)).build());

    assertRejected(s, "t-fft", RejectReason.REJECT_REASON_UNSUPPORTED_OPERATOR, "tensor.fft@1");
  }

  @Test
  void aTaskOverMaxTaskBytesIsRejectedNamingBothNumbers() {
    start(config().maxTaskBytes(1024));
    FakeOrchestrator.Stream s = fake.stream(0);
    float[] hundred = new float[100];

    // 400 + 400 bytes of inputs and 400 of output: 1200 > 1024.
    s.dispatch(task("t-big", "tensor.add@1", vector(hundred), vector(hundred)).build());

    assertRejected(s, "t-big", RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT, "1200");
    assertThat(s.ack("t-big").getDetail()).contains("1024");
  }

  @Test
  void aTaskWhoseResultCouldNotBeSentIsRejected() {
    fake.maxMessageBytes = 256 * 1024;
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);
    float[] big = new float[60_000];

    // 240 000 output bytes, over what a 256 KiB message can carry after 64 KiB of headroom.
    s.dispatch(task("t-huge", "tensor.add@1", vector(big), vector(big)).build());

    assertRejected(s, "t-huge", RejectReason.REJECT_REASON_OVER_RESOURCE_LIMIT, "240000");
  }

  @Test
  void aMalformedTaskIsRejectedAsBadInput() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(
        task("t-bad", "tensor.add@1", vector(1), vector(2))
            .setAttempt(AttemptRef.newBuilder().setJobId("job 1!").setTaskId("t-bad").setAttempt(1))
            .build());

    assertRejected(s, "t-bad", RejectReason.REJECT_REASON_BAD_INPUT, "job_id");
  }

  @Test
  void inputsTheOperatorRefusesAreRejectedAsBadInput() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-shape", "tensor.add@1", vector(1, 2), vector(1, 2, 3)).build());

    assertRejected(s, "t-shape", RejectReason.REJECT_REASON_BAD_INPUT, "tensor.add@1");
  }

  @Test
  void aDataRefInputIsRejectedAsBadInput() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-ref", "tensor.add@1", vector(1), dataRef()).build());

    assertRejected(s, "t-ref", RejectReason.REJECT_REASON_BAD_INPUT, "inputs[1] is a bare DataRef");
  }

  @Test
  void aTaskArrivingAtCapacityIsRejected() {
    TestOperators.Gate gate = new TestOperators.Gate();
    start(config().maxConcurrentTasks(1).operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-1", "test.gate@1", vector(1)).build());
    s.dispatch(task("t-2", "test.gate@1", vector(2)).build());

    assertThat(s.ack("t-1").getAccepted()).isTrue();
    assertRejected(s, "t-2", RejectReason.REJECT_REASON_AT_CAPACITY, "1 of 1");
    gate.open();
    assertThat(s.result("t-1").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(gate.started).hasValue(1);
  }

  @Test
  void aTaskPastItsTimeoutReportsTimedOutAndIsInterrupted() {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-slow", "test.gate@1", vector(1)).setTimeoutMs(200).build());

    assertThat(s.ack("t-slow").getAccepted()).isTrue();
    ResultDescriptor r = s.result("t-slow");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_TIMED_OUT);
    assertThat(r.getOutputsCount()).isZero();
    assertThat(r.getDiagnostics().getMessage()).contains("200 ms");
    await().untilAsserted(() -> assertThat(gate.interrupted).hasValue(1));
    assertThat(worker.running()).isZero();
    assertThat(s.results("t-slow")).hasSize(1);
  }

  @Test
  void cancelAttemptStopsTheRunAndReportsCancelled() {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);
    TaskDescriptor t = task("t-cancel", "test.gate@1", vector(1)).build();

    s.dispatch(t);
    assertThat(s.ack("t-cancel").getAccepted()).isTrue();
    await().until(() -> gate.started.get() == 1);
    s.cancel(t, "job cancelled");

    ResultDescriptor r = s.result("t-cancel");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_CANCELLED);
    assertThat(r.getDiagnostics().getMessage()).contains("job cancelled");
    await().untilAsserted(() -> assertThat(gate.interrupted).hasValue(1));
    assertThat(worker.running()).isZero();
  }

  @Test
  void cancelForAnUnknownAttemptIsIgnored() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.cancel(task("t-never", "tensor.add@1").build(), "stale");
    s.dispatch(task("t-after", "tensor.add@1", vector(1), vector(2)).build());

    assertThat(s.result("t-after").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(s.results("t-never")).isEmpty();
  }

  @Test
  void aDuplicateDispatchIsAcknowledgedAgainAndRunOnce() {
    TestOperators.Gate gate = new TestOperators.Gate();
    start(config().operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);
    TaskDescriptor t = task("t-dup", "test.gate@1", vector(7)).build();

    s.dispatch(t);
    s.dispatch(t);
    await().until(() -> s.acks("t-dup").size() == 2);
    assertThat(s.acks("t-dup")).allMatch(TaskAck::getAccepted);
    gate.open();
    assertThat(s.result("t-dup").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);

    // Once more after it finished: answered, still not run again.
    s.dispatch(t);
    await().until(() -> s.acks("t-dup").size() == 3);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> s.results("t-dup").size() == 1);
    assertThat(gate.started).hasValue(1);
  }

  @Test
  void anOperatorFailureIsReportedWithItsKind() {
    start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-div", "tensor.div@1", ints(1, 2), ints(1, 0)).build());

    ResultDescriptor r = s.result("t-div");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_FAILED);
    assertThat(r.getDiagnostics().getErrorKind()).isEqualTo("execution");
    assertThat(r.getDiagnostics().getMessage()).contains("division by zero");
  }

  @Test
  void anUnexpectedExceptionIsReportedAsInternal() {
    start(config().operators(TestOperators.standardPlus(new TestOperators.Boom(() -> new IllegalStateException("bug")))));
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-boom", "test.boom@1").build());

    ResultDescriptor r = s.result("t-boom");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_FAILED);
    assertThat(r.getDiagnostics().getErrorKind()).isEqualTo("internal");
    assertThat(r.getDiagnostics().getMessage()).contains("bug");
  }

  @Test
  void runningOutOfMemoryFailsTheTaskNotTheWorker() {
    Worker worker =
        start(config().operators(TestOperators.standardPlus(new TestOperators.Boom(() -> new OutOfMemoryError("Java heap space")))));
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-oom", "test.boom@1").build());

    ResultDescriptor r = s.result("t-oom");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_FAILED);
    assertThat(r.getDiagnostics().getMessage()).startsWith("over memory");
    s.dispatch(task("t-next", "tensor.add@1", vector(1), vector(1)).build());
    assertThat(s.result("t-next").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(worker.isConnected()).isTrue();
  }

  @Test
  void runningCountsHeldAttempts() {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);

    s.dispatch(task("t-a", "test.gate@1", vector(1)).build());
    s.dispatch(task("t-b", "test.gate@1", vector(2)).build());
    await().until(() -> worker.running() == 2);
    s.heartbeat(h -> h.getLoad().getRunningTasks() == 2 && h.getLoad().getFreeSlots() == 2);

    gate.open();
    await().until(() -> worker.running() == 0);
  }

  @Test
  void attemptsOfALostStreamAreAbandonedAndTheirResultsNeverSent() {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream first = fake.stream(0);
    first.dispatch(task("t-lost", "test.gate@1", vector(1)).build());
    first.ack("t-lost");

    first.close(io.grpc.Status.UNAVAILABLE);

    await().until(() -> worker.running() == 0);
    FakeOrchestrator.Stream second = fake.stream(1);
    gate.open();
    second.dispatch(task("t-new", "tensor.add@1", vector(1), vector(1)).build());
    assertThat(second.result("t-new").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(second.results("t-lost")).isEmpty();
    assertThat(first.results("t-lost")).isEmpty();
  }

  private static void assertRejected(FakeOrchestrator.Stream s, String taskId, RejectReason reason, String detail) {
    TaskAck ack = s.ack(taskId);
    assertThat(ack.getAccepted()).isFalse();
    assertThat(ack.getReason()).isEqualTo(reason);
    assertThat(ack.getDetail()).contains(detail);
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> s.results(taskId).isEmpty());
  }
}
