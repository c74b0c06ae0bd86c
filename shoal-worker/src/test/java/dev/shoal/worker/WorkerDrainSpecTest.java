package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.WorkerMessage;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Leaving on purpose: drain lets running work finish or hands it back, then says Goodbye. */
class WorkerDrainSpecTest extends WorkerSpecSupport {

  @Test
  void drainLetsTheRunningTaskFinishThenSaysGoodbyeAndHalfCloses() throws Exception {
    orchestrator.heartbeatIntervalMs = 50;
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().drainTimeout(Duration.ofSeconds(30)).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(task("t-run", SlowOperator.ID, float32(4, 5)).build());
    assertThat(call.awaitAck("t-run").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);

    CompletableFuture<Void> drained =
        CompletableFuture.runAsync(
            () -> {
              try {
                worker.drain();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });

    // Heartbeats now say draining, and nothing new is taken.
    call.awaitHeartbeat(h -> h.getDraining());
    call.dispatch(task("t-new", "tensor.add@1", float32(1), float32(1)).build());
    TaskAck refused = call.awaitAck("t-new");
    assertThat(refused.getAccepted()).isFalse();
    assertThat(refused.getReason()).isEqualTo(RejectReason.REJECT_REASON_DRAINING);
    assertThat(drained).isNotDone();
    assertThat(call.indexOf(WorkerMessage::hasGoodbye)).isEqualTo(-1);
    assertThat(call.halfClosedByWorker).isFalse();

    slow.release();
    drained.get(10, TimeUnit.SECONDS);

    ResultDescriptor r = call.awaitResult("t-run");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    assertThat(floats(r.getOutputs(0))).containsExactly(4f, 5f);
    List<WorkerMessage> all = call.received();
    int result = call.indexOf(m -> m.hasResult() && m.getResult().getAttempt().getTaskId().equals("t-run"));
    int goodbye = call.indexOf(WorkerMessage::hasGoodbye);
    assertThat(goodbye).isGreaterThan(result);
    assertThat(goodbye).as("Goodbye is the last message").isEqualTo(all.size() - 1);
    assertThat(call.halfClosedByWorker).isTrue();
    assertThat(call.cancelledByWorker).isFalse();
    assertThat(call.results("t-new")).isEmpty();
    assertThat(worker.awaitTermination(Duration.ofSeconds(5))).isTrue();
    assertThat(worker.failure()).isEmpty();
    // Drained on purpose: it does not dial again.
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> orchestrator.callCount() == 1);
  }

  @Test
  void drainPastItsTimeoutHandsBackTheTaskAsReleasedThenSaysGoodbye() throws Exception {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().drainTimeout(Duration.ofMillis(100)).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(task("t-stuck", SlowOperator.ID, float32(1)).build());
    assertThat(call.awaitAck("t-stuck").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);

    long start = System.nanoTime();
    worker.drain();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(tookMs).isGreaterThanOrEqualTo(90);
    ResultDescriptor r = call.awaitResult("t-stuck");
    assertThat(r.getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_RELEASED);
    assertThat(r.getOutputsCount()).isZero();
    int result = call.indexOf(WorkerMessage::hasResult);
    int goodbye = call.indexOf(WorkerMessage::hasGoodbye);
    assertThat(goodbye).isGreaterThan(result);
    assertThat(call.received().get(goodbye).getGoodbye().getReason()).isNotBlank();
    await().until(() -> call.halfClosedByWorker);
    assertThat(worker.awaitTermination(Duration.ofSeconds(5))).isTrue();
    await().until(() -> slow.interrupted.get() == 1);
    assertThat(slow.completed).hasValue(0);
    assertThat(call.results("t-stuck")).hasSize(1);
  }

  @Test
  void whileDrainingADuplicateOfARunningAttemptIsStillAcceptedAndACancelEndsTheDrain() throws Exception {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().drainTimeout(Duration.ofSeconds(30)).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    var t = task("t-held", SlowOperator.ID, float32(1)).build();
    call.dispatch(t);
    assertThat(call.awaitAck("t-held").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);
    CompletableFuture<Void> drained = CompletableFuture.runAsync(worker::close);
    call.awaitHeartbeat(h -> h.getDraining());

    // Idempotency wins over draining: the same attempt gets the same answer.
    call.dispatch(t);
    await().until(() -> call.acks("t-held").size() == 2);
    assertThat(call.acks("t-held").get(1).getAccepted()).isTrue();
    assertThat(slow.started).hasValue(1);

    call.cancel(t, "job cancelled");

    drained.get(10, TimeUnit.SECONDS);
    assertThat(call.awaitResult("t-held").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_CANCELLED);
    int goodbye = call.indexOf(WorkerMessage::hasGoodbye);
    assertThat(goodbye).isGreaterThan(call.indexOf(WorkerMessage::hasResult));
    assertThat(call.received().get(goodbye).getGoodbye().getReason()).isEqualTo("drained");
    assertThat(worker.isTerminated()).isTrue();
  }

  /**
   * Worker.drain() promises that an interrupted drain still sends Goodbye. Here the orchestrator
   * is busy for 300 ms after reading the RELEASED result, so the Goodbye behind it is still
   * unread in gRPC when the drain is cut short: it must not be thrown away with the stream.
   */
  @Test
  void anInterruptedDrainStillDeliversItsGoodbyeToABusyOrchestrator() throws Exception {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().drainTimeout(Duration.ofMinutes(5)).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(task("t-int", SlowOperator.ID, float32(1)).build());
    assertThat(call.awaitAck("t-int").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);
    orchestrator.busyAfterResult = Duration.ofMillis(300);
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
    call.awaitHeartbeat(h -> h.getDraining());

    drainer.interrupt();

    drainer.join(Duration.ofSeconds(10));
    assertThat(threw).as("drain() threw InterruptedException").isTrue();
    assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(call.awaitResult("t-int").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_RELEASED);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(call.indexOf(WorkerMessage::hasGoodbye)).as("index of Goodbye").isPositive());
  }

  @Test
  void aZeroDrainTimeoutHandsBackAtOnce() throws Exception {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().drainTimeout(Duration.ZERO).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(task("t-now", SlowOperator.ID, float32(1)).build());
    assertThat(call.awaitAck("t-now").getAccepted()).isTrue();

    worker.drain();

    assertThat(call.awaitResult("t-now").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_RELEASED);
    assertThat(call.indexOf(WorkerMessage::hasGoodbye)).isGreaterThan(call.indexOf(WorkerMessage::hasResult));
    assertThat(worker.isTerminated()).isTrue();
  }

  @Test
  void drainBeforeTheWelcomeStopsWithoutGoodbye() throws Exception {
    orchestrator.autoWelcome = false;
    Worker worker = start(config());
    OrchestratorDouble.Call call = orchestrator.awaitCall(0);
    call.awaitMessage(0);

    worker.drain();

    assertThat(worker.isTerminated()).isTrue();
    await().until(call::endedByWorker);
    assertThat(call.indexOf(WorkerMessage::hasGoodbye)).isEqualTo(-1);
    assertThat(worker.failure()).isEmpty();
    await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(3)).until(() -> orchestrator.callCount() == 1);
  }

  /**
   * "Wait as long as it takes": either WorkerConfig refuses a drain timeout it cannot honour,
   * naming the setting, or a worker built with it drains like any other.
   */
  @Test
  void anEndlessDrainTimeoutIsRefusedOrHonoured() throws Exception {
    WorkerConfig.Builder endless = config().drainTimeout(ChronoUnit.FOREVER.getDuration());
    try {
      endless.build();
    } catch (IllegalArgumentException refused) {
      assertThat(refused).hasMessageStartingWith("drain-timeout:");
      return;
    }
    Worker worker = start(endless);
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    await().until(worker::isConnected);

    worker.drain();

    assertThat(worker.isTerminated()).isTrue();
    assertThat(call.indexOf(WorkerMessage::hasGoodbye)).isPositive();
  }

  @Test
  void anIdleWorkerDrainsAtOnce() throws Exception {
    Worker worker = start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    await().until(worker::isConnected);

    worker.drain();

    assertThat(worker.isTerminated()).isTrue();
    assertThat(call.received().getLast().hasGoodbye()).isTrue();
    assertThat(call.halfClosedByWorker).isTrue();
    assertThat(worker.isConnected()).isFalse();
    // A second drain is harmless and returns at once.
    worker.drain();
    assertThat(call.received().stream().filter(WorkerMessage::hasGoodbye)).hasSize(1);
  }
}
