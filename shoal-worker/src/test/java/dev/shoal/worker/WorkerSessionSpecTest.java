package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The session: Hello, Welcome, heartbeats, reconnects, refusal, silence and shutdown. */
class WorkerSessionSpecTest extends WorkerSpecSupport {

  private static final MessageValidator VALIDATOR = new MessageValidator(ProtocolLimits.DEFAULT);

  @Test
  void theHelloComesFirstOpensAndCarriesRealFacts() throws Exception {
    orchestrator.autoWelcome = false;
    SlowOperator slow = new SlowOperator();
    OperatorRegistry operators =
        OperatorRegistry.of(slow, OperatorRegistry.standard().require(OperatorId.parse("tensor.add@1")));
    Worker worker = start(config().operators(operators).maxConcurrentTasks(3).maxTaskBytes(5_000_000));

    OrchestratorDouble.Call call = orchestrator.awaitCall(0);
    WorkerMessage first = call.awaitMessage(0);
    assertThat(first.getBodyCase()).isEqualTo(WorkerMessage.BodyCase.HELLO);
    NodeDescriptor node = Hellos.open(first.getHello(), VALIDATOR);

    assertThat(node.getPeerId()).isEqualTo(worker.peerId());
    assertThat(PeerIds.fromPublicKey(node.getPublicKey().toByteArray())).isEqualTo(worker.peerId());
    assertThat(node.getName()).isEqualTo("spec-worker");
    assertThat(node.getHardware().getCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(node.getHardware().getMemoryBytes()).isPositive();
    assertThat(node.getHardware().getArch()).isEqualTo(System.getProperty("os.arch"));
    assertThat(node.getOperatorsList()).containsExactlyInAnyOrder(SlowOperator.ID, "tensor.add@1");
    assertThat(node.getMaxConcurrentTasks()).isEqualTo(3);
    assertThat(node.getMaxTaskBytes()).isEqualTo(5_000_000);
    assertThat(node.getProtocolVersionsList()).isEqualTo(ProtocolVersions.SUPPORTED);

    // Until it is welcomed the worker says nothing more and does not count as connected.
    await().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(2)).until(() -> call.received().size() == 1);
    assertThat(worker.isConnected()).isFalse();

    call.awaitHello();
    call.sendWelcome(1_000, 10);
    await().until(worker::isConnected);
  }

  @Test
  void afterWelcomeItHeartbeatsWithItsLoad() {
    orchestrator.heartbeatIntervalMs = 50;
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().maxConcurrentTasks(3).operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    await().until(worker::isConnected);
    await().atMost(Duration.ofSeconds(3)).until(() -> call.heartbeats().size() >= 3);
    Heartbeat idle = call.heartbeats().getLast();
    assertThat(idle.getDraining()).isFalse();
    assertThat(idle.getSentAtMs()).isPositive();
    assertThat(idle.hasLoad()).isTrue();
    assertThat(idle.getLoad().getRunningTasks()).isZero();
    assertThat(idle.getLoad().getFreeSlots()).isEqualTo(3);
    assertThat(idle.getLoad().getCpuLoad()).isBetween(0.0, 1_000.0);
    assertThat(idle.getLoad().getFreeMemoryBytes()).isPositive();

    // The load follows what the worker holds.
    call.dispatch(task("t-busy", SlowOperator.ID, float32(1)).build());
    Heartbeat busy = call.awaitHeartbeat(h -> h.getLoad().getRunningTasks() == 1);
    assertThat(busy.getLoad().getFreeSlots()).isEqualTo(2);
    slow.release();
    assertThat(call.awaitResult("t-busy").getStatus()).isEqualTo(ResultStatus.RESULT_STATUS_OK);
    call.awaitHeartbeat(h -> h.getSentAtMs() > busy.getSentAtMs() && h.getLoad().getRunningTasks() == 0);
    assertThat(worker.isConnected()).isTrue();
  }

  @Test
  void aStreamEndedWithAnErrorIsReopenedWithAFreshHello() throws Exception {
    Worker worker = start(config());
    OrchestratorDouble.Call first = orchestrator.awaitWelcomed(0);
    await().until(worker::isConnected);

    first.close(Status.UNAVAILABLE.withDescription("orchestrator restarting"));

    OrchestratorDouble.Call second = orchestrator.awaitCall(1);
    WorkerMessage hello = second.awaitMessage(0);
    assertThat(hello.hasHello()).isTrue();
    NodeDescriptor node = Hellos.open(hello.getHello(), VALIDATOR);
    assertThat(node.getPeerId()).isEqualTo(worker.peerId());
    await().until(() -> second.welcomed);
    await().until(worker::isConnected);
    assertThat(worker.failure()).isEmpty();
    assertThat(worker.isTerminated()).isFalse();
  }

  @Test
  void aVersionMismatchStopsTheWorkerForGood() throws Exception {
    Worker worker = start(config().protocolVersions(List.of(ProtocolVersions.of(2, 0, 0))));

    assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
    OrchestratorDouble.Call call = orchestrator.awaitCall(0);
    assertThat(call.node).isNotNull();
    assertThat(call.welcomed).isFalse();
    assertThat(worker.failure())
        .hasValueSatisfying(
            f -> assertThat(f).contains("VERSION_MISMATCH").contains("protocol version mismatch"));
    assertThat(worker.isConnected()).isFalse();
    // It does not come back: one call, one Hello, ever.
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> orchestrator.callCount() == 1);
    assertThat(orchestrator.allReceived().stream().filter(WorkerMessage::hasHello)).hasSize(1);
  }

  @Test
  void anUnauthenticatedRefusalStopsTheWorkerForGood() throws Exception {
    orchestrator.autoWelcome = false;
    Worker worker = start(config());
    OrchestratorDouble.Call call = orchestrator.awaitCall(0);
    call.awaitHello();

    call.refuse(ErrorCode.ERROR_CODE_UNAUTHENTICATED, "peer id does not derive from public_key", Status.UNAUTHENTICATED);

    assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(worker.failure()).hasValueSatisfying(f -> assertThat(f).contains("UNAUTHENTICATED"));
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> orchestrator.callCount() == 1);
  }

  @Test
  void aWelcomeInAMajorVersionTheWorkerNeverOfferedIsRefusedByTheWorker() throws Exception {
    orchestrator.autoWelcome = false;
    Worker worker = start(config());
    OrchestratorDouble.Call call = orchestrator.awaitCall(0);
    call.awaitHello();

    call.sendWelcome(OrchestratorDouble.welcome(call.node, ProtocolVersions.of(2, 0, 0), 1_000, 10));

    assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(worker.failure()).hasValueSatisfying(f -> assertThat(f).contains("VERSION_MISMATCH").contains("2.0.0"));
    assertThat(call.heartbeats()).isEmpty();
    await().until(() -> call.cancelledByWorker);
    assertThat(orchestrator.callCount()).isEqualTo(1);
  }

  @Test
  void aStreamTheOrchestratorCompletesNormallyIsAlsoReopened() {
    Worker worker = start(config());
    OrchestratorDouble.Call first = orchestrator.awaitWelcomed(0);

    first.close(Status.OK);

    orchestrator.awaitWelcomed(1);
    await().until(worker::isConnected);
  }

  @Test
  void aConfiguredHeartbeatIntervalOverridesTheWelcome() {
    orchestrator.heartbeatIntervalMs = 60_000;
    start(config().heartbeatInterval(Duration.ofMillis(20)));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    await().atMost(Duration.ofSeconds(3)).until(() -> call.heartbeats().size() >= 5);
  }

  @Test
  void aSilentOrchestratorIsGivenUpAndTheWorkerReconnects() {
    orchestrator.heartbeatIntervalMs = 50;
    orchestrator.missedHeartbeatsLimit = 2;
    orchestrator.echoHeartbeats = false;
    Worker worker = start(config());
    OrchestratorDouble.Call first = orchestrator.awaitWelcomed(0);

    // Nothing follows the Welcome: after 2 intervals of silence the worker drops the call ...
    await().atMost(Duration.ofSeconds(5)).until(first::endedByWorker);
    assertThat(first.halfClosedByWorker).isFalse();
    // ... and dials again with a fresh Hello.
    OrchestratorDouble.Call second = orchestrator.awaitCall(1);
    assertThat(second.awaitMessage(0).hasHello()).isTrue();
    assertThat(worker.failure()).isEmpty();
  }

  @Test
  void aSilentOrchestratorIsNotGivenUpWhileItHeartbeats() {
    orchestrator.heartbeatIntervalMs = 50;
    orchestrator.missedHeartbeatsLimit = 2;
    Worker worker = start(config());
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);

    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> !call.endedByWorker() && worker.isConnected());
    assertThat(orchestrator.callCount()).isEqualTo(1);
  }

  @Test
  void shutdownNowCancelsTheCallWithoutGoodbye() throws Exception {
    SlowOperator slow = new SlowOperator();
    Worker worker = start(config().operators(slow.withStandard()));
    OrchestratorDouble.Call call = orchestrator.awaitWelcomed(0);
    call.dispatch(task("t-crash", SlowOperator.ID, float32(1)).build());
    assertThat(call.awaitAck("t-crash").getAccepted()).isTrue();
    await().until(() -> slow.started.get() == 1);

    worker.shutdownNow();

    assertThat(worker.awaitTermination(Duration.ofSeconds(5))).isTrue();
    await().until(() -> call.cancelledByWorker);
    assertThat(call.halfClosedByWorker).isFalse();
    assertThat(call.indexOf(WorkerMessage::hasGoodbye)).isEqualTo(-1);
    assertThat(call.results("t-crash")).isEmpty();
    await().until(() -> slow.interrupted.get() == 1);
    assertThat(worker.isConnected()).isFalse();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(3)).until(() -> orchestrator.callCount() == 1);
  }
}
