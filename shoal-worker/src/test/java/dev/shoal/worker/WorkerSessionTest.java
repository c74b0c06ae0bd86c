package dev.shoal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.ProtocolViolation;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Hello;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The session with the orchestrator: Hello, heartbeats, reconnects and refusals. */
class WorkerSessionTest extends WorkerTestSupport {

  private static final MessageValidator VALIDATOR = new MessageValidator(ProtocolLimits.DEFAULT);

  @Test
  void helloComesFirstIsSignedAndCarriesRealHardwareFacts() throws Exception {
    long before = System.currentTimeMillis();
    Worker worker = start(config().maxConcurrentTasks(3).maxTaskBytes(1 << 20));

    WorkerMessage first = fake.stream(0).first();
    assertThat(first.hasHello()).isTrue();
    NodeDescriptor node = Hellos.open(first.getHello(), VALIDATOR);

    assertThat(node.getPeerId()).isEqualTo(worker.peerId());
    assertThat(node.getName()).isEqualTo("test-worker");
    assertThat(node.getHardware().getArch()).isEqualTo(System.getProperty("os.arch"));
    assertThat(node.getHardware().getOs()).startsWith(System.getProperty("os.name")).contains(System.getProperty("os.version"));
    assertThat(node.getHardware().getCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(node.getHardware().getMemoryBytes()).isGreaterThanOrEqualTo(Runtime.getRuntime().maxMemory() / 2);
    assertThat(node.getHardware().getAcceleratorsList()).isEmpty();
    assertThat(node.getOperatorsList()).contains("tensor.add@1", "tensor.matmul@1", "shoal.noop@1");
    assertThat(node.getMaxConcurrentTasks()).isEqualTo(3);
    assertThat(node.getMaxTaskBytes()).isEqualTo(1 << 20);
    assertThat(node.getProtocolVersionsList()).isEqualTo(ProtocolVersions.SUPPORTED);
    assertThat(node.getSoftware()).isEqualTo("shoal-worker/0.1.0");
    assertThat(node.getIssuedAtMs()).isBetween(before, System.currentTimeMillis());
    await().until(worker::isConnected);
  }

  @Test
  void aTamperedHelloNoLongerVerifies() throws Exception {
    start(config());
    Hello hello = fake.stream(0).first().getHello();
    byte[] sig = hello.getSignature().toByteArray();
    sig[0] ^= 1;
    Hello tampered = hello.toBuilder().setSignature(ByteString.copyFrom(sig)).build();

    assertThatThrownBy(() -> Hellos.open(tampered, VALIDATOR))
        .isInstanceOfSatisfying(ProtocolViolation.class, v -> assertThat(v.code()).isEqualTo(ErrorCode.ERROR_CODE_UNAUTHENTICATED));
  }

  @Test
  void heartbeatsReportLoadAtTheWelcomeInterval() {
    fake.heartbeatIntervalMs = 50;
    start(config().maxConcurrentTasks(2));
    FakeOrchestrator.Stream s = fake.stream(0);

    await().until(() -> s.received().stream().filter(WorkerMessage::hasHeartbeat).count() >= 3);
    var hb = s.heartbeat(h -> true);
    assertThat(hb.getDraining()).isFalse();
    assertThat(hb.getLoad().getRunningTasks()).isZero();
    assertThat(hb.getLoad().getFreeSlots()).isEqualTo(2);
    assertThat(hb.getLoad().getCpuLoad()).isGreaterThanOrEqualTo(0);
    assertThat(hb.getLoad().getFreeMemoryBytes()).isPositive();
    assertThat(hb.getSentAtMs()).isPositive();
  }

  @Test
  void reconnectsWithAFreshHelloAfterTheOrchestratorDropsTheStream() throws Exception {
    Worker worker = start(config());
    FakeOrchestrator.Stream first = fake.stream(0);
    NodeDescriptor firstNode = first.node;

    first.close(Status.UNAVAILABLE.withDescription("orchestrator restarting"));

    FakeOrchestrator.Stream second = fake.stream(1);
    WorkerMessage hello = second.first();
    assertThat(hello.hasHello()).isTrue();
    NodeDescriptor node = Hellos.open(hello.getHello(), VALIDATOR);
    assertThat(node.getPeerId()).isEqualTo(firstNode.getPeerId()).isEqualTo(worker.peerId());
    assertThat(hello.getHello().getSignature()).isNotEqualTo(first.first().getHello().getSignature());
    await().until(worker::isConnected);
    assertThat(worker.failure()).isEmpty();
  }

  @Test
  void triesTheNextAddressWhenOneIsUnreachable() throws Exception {
    Worker worker = start(config().orchestrators(List.of("nobody-listens-here:7070", fake.address())));

    fake.stream(0);
    // connected() completes at the Welcome: no polling needed to know.
    worker.connected().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(worker.isConnected()).isTrue();
  }

  @Test
  void reconnectsWhenTheOrchestratorFallsSilent() {
    fake.echoHeartbeats = false;
    fake.heartbeatIntervalMs = 50;
    fake.missedHeartbeatsLimit = 3;
    start(config());
    FakeOrchestrator.Stream first = fake.stream(0);

    // Nothing arrives after Welcome: after 3 intervals the worker gives the stream up.
    first.awaitEnded(Duration.ofSeconds(10));
    assertThat(first.errorFromWorker).isNotNull();
    assertThat(fake.rawStream(1).first().hasHello()).isTrue();
  }

  @Test
  void aVersionMismatchStopsTheWorkerAndNamesTheReason() throws Exception {
    Worker worker = start(config().protocolVersions(List.of(ProtocolVersions.of(2, 0, 0))));

    assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(worker.failure())
        .hasValueSatisfying(
            f ->
                assertThat(f)
                    .contains("VERSION_MISMATCH")
                    .contains(
                        "protocol version mismatch: orchestrator supports " + ProtocolVersions.format(ProtocolVersions.SUPPORTED)
                            + ", worker supports [2.0.0]")
                    .contains("FAILED_PRECONDITION"));
    assertThat(worker.isConnected()).isFalse();
    assertThat(worker.connected())
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withMessageContaining("VERSION_MISMATCH");
    // No reconnect loop: the one refused stream is all the orchestrator ever saw.
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> fake.streamCount() == 1);
  }
}
