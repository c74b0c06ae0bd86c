package dev.shoal.worker;

import static dev.shoal.worker.Tasks.task;
import static dev.shoal.worker.Tasks.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.WorkerMessage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Leaving the mesh: graceful drain and abrupt shutdown. */
class WorkerDrainTest extends WorkerTestSupport {

  @Test
  void drainWaitsForTheRunningTaskThenSaysGoodbye() throws Exception {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().drainTimeout(Duration.ofSeconds(30)).operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);
    s.dispatch(task("t-run", "test.gate@1", vector(1)).build());
    assertThat(s.ack("t-run").getAccepted()).isTrue();

    CompletableFuture<Void> drained = CompletableFuture.runAsync(worker::close);

    s.heartbeat(h -> h.getDraining());
    s.dispatch(task("t-late", "tensor.add@1", vector(1), vector(1)).build());
    assertThat(s.ack("t-late").getReason()).isEqualTo(RejectReason.REJECT_REASON_DRAINING);
    assertThat(drained).isNotDone();
    assertThat(s.indexOf(WorkerMessage::hasGoodbye)).isEqualTo(-1);

    gate.open();
    drained.get();

    assertThat(s.result("t-run").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    int goodbye = s.indexOf(WorkerMessage::hasGoodbye);
    assertThat(goodbye).isGreaterThan(s.indexOf(WorkerMessage::hasResult));
    assertThat(s.received().get(goodbye).getGoodbye().getReason()).isEqualTo("drained");
    assertThat(s.received()).hasSize(goodbye + 1);
    assertThat(s.completedByWorker).isTrue();
    assertThat(worker.isTerminated()).isTrue();
    assertThat(worker.failure()).isEmpty();
    // Drained on purpose: the worker does not come back.
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> fake.streamCount() == 1);
  }

  @Test
  void drainPastItsTimeoutReleasesWhatIsStillRunning() throws Exception {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().drainTimeout(Duration.ofMillis(300)).operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);
    s.dispatch(task("t-stuck", "test.gate@1", vector(1)).build());
    assertThat(s.ack("t-stuck").getAccepted()).isTrue();

    worker.drain();

    ResultDescriptor r = s.result("t-stuck");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_RELEASED);
    assertThat(r.getOutputsCount()).isZero();
    int goodbye = s.indexOf(WorkerMessage::hasGoodbye);
    assertThat(goodbye).isGreaterThan(s.indexOf(WorkerMessage::hasResult));
    assertThat(s.received().get(goodbye).getGoodbye().getReason()).contains("1 attempt(s) released");
    assertThat(s.completedByWorker).isTrue();
    await().untilAsserted(() -> assertThat(gate.interrupted).hasValue(1));
    assertThat(worker.awaitTermination(Duration.ofSeconds(1))).isTrue();
  }

  @Test
  void anInterruptedDrainHandsBackAtOnceAndStillSaysGoodbye() throws Exception {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().drainTimeout(Duration.ofMinutes(5)).operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);
    s.dispatch(task("t-int", "test.gate@1", vector(1)).build());
    assertThat(s.ack("t-int").getAccepted()).isTrue();
    AtomicBoolean threw = new AtomicBoolean();
    Thread drainer =
        new Thread(
            () -> {
              try {
                worker.drain();
              } catch (InterruptedException e) {
                threw.set(true);
              }
            });
    drainer.start();
    s.heartbeat(h -> h.getDraining());

    drainer.interrupt();

    assertThat(s.result("t-int").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_RELEASED);
    await().until(() -> s.indexOf(WorkerMessage::hasGoodbye) > 0);
    assertThat(worker.awaitTermination(Duration.ofSeconds(5))).isTrue();
    drainer.join(Duration.ofSeconds(5));
    assertThat(threw).isTrue();
  }

  @Test
  void anIdleWorkerDrainsAtOnce() throws Exception {
    Worker worker = start(config());
    FakeOrchestrator.Stream s = fake.stream(0);

    worker.drain();

    assertThat(s.received().getLast().hasGoodbye()).isTrue();
    assertThat(s.completedByWorker).isTrue();
    assertThat(worker.isTerminated()).isTrue();
    assertThat(worker.isConnected()).isFalse();
  }

  @Test
  void shutdownNowSendsNothingMore() throws Exception {
    TestOperators.Gate gate = new TestOperators.Gate();
    Worker worker = start(config().operators(TestOperators.standardPlus(gate)));
    FakeOrchestrator.Stream s = fake.stream(0);
    s.dispatch(task("t-crash", "test.gate@1", vector(1)).build());
    s.ack("t-crash");
    await().until(() -> gate.started.get() == 1);

    worker.shutdownNow();

    assertThat(worker.awaitTermination(Duration.ofSeconds(5))).isTrue();
    await().until(() -> s.errorFromWorker != null);
    assertThat(s.completedByWorker).isFalse();
    assertThat(s.indexOf(WorkerMessage::hasGoodbye)).isEqualTo(-1);
    assertThat(s.results("t-crash")).isEmpty();
    await().untilAsserted(() -> assertThat(gate.interrupted).hasValue(1));
    assertThat(fake.streamCount()).isEqualTo(1);
  }

  @Test
  void drainWhileDisconnectedJustStops() throws Exception {
    fake.close();
    Worker worker = start(config());

    worker.drain();

    assertThat(worker.isTerminated()).isTrue();
    assertThat(worker.failure()).isEmpty();
  }

  @Test
  void drainBeforeStartTerminates() throws Exception {
    Worker worker = Worker.create(config().build(), FakeOrchestrator::channel);

    worker.drain();

    assertThat(worker.awaitTermination(Duration.ZERO)).isTrue();
  }
}
