package dev.shoal.orchestrator.internal.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.orchestrator.internal.acceptance.OperatorChecker;
import dev.shoal.orchestrator.internal.core.Core;
import dev.shoal.orchestrator.internal.core.CoreSettings;
import dev.shoal.orchestrator.internal.core.JobPlan;
import dev.shoal.orchestrator.internal.core.PlannedTask;
import dev.shoal.orchestrator.internal.lifecycle.AttemptState;
import dev.shoal.orchestrator.internal.lifecycle.TaskState;
import dev.shoal.orchestrator.internal.store.GroupCommitter;
import dev.shoal.orchestrator.internal.store.JobState;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.time.FakeClock;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.Hello;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.OutputChunk;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator's end of the worker protocol over in-process gRPC, with a worker scripted by
 * the test so it can send what a real worker never would: wrong versions, bad signatures and
 * every kind of malformed message.
 */
class WorkerLinkServiceTest {

  private final FakeClock clock = new FakeClock(1_700_000_000_000L);
  private MemoryStore store;
  private GroupCommitter committer;
  private Core core;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    store = new MemoryStore();
    committer = new GroupCommitter(store);
    core =
        new Core(
            new CoreSettings("test", 1_000, 3, 500, 2_000, 100, 1_000, 60_000),
            clock,
            store,
            committer,
            Runnable::run,
            new OperatorChecker(OperatorRegistry.standard()),
            Runnable::run,
            Ed25519.generate());
    core.start();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new WorkerLinkService(
                    core, new MessageValidator(ProtocolLimits.DEFAULT), ProtocolVersions.SUPPORTED, clock::millis))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
    core.stop();
    committer.close();
  }

  /** The worker side of one stream, recording everything the orchestrator says. */
  final class Scripted implements StreamObserver<OrchestratorMessage> {
    final KeyPair key = Ed25519.generate();
    final LinkedBlockingQueue<OrchestratorMessage> received = new LinkedBlockingQueue<>();
    volatile Status closed;
    final StreamObserver<WorkerMessage> out = WorkerLinkGrpc.newStub(channel).connect(this);

    @Override
    public void onNext(OrchestratorMessage m) {
      received.add(m);
    }

    @Override
    public void onError(Throwable t) {
      closed = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
      closed = Status.OK;
    }

    OrchestratorMessage next() throws InterruptedException {
      OrchestratorMessage m = received.poll(5, TimeUnit.SECONDS);
      assertThat(m).as("a message from the orchestrator").isNotNull();
      return m;
    }

    OrchestratorMessage nextOtherThanHeartbeat() throws InterruptedException {
      OrchestratorMessage m;
      do {
        m = next();
      } while (m.hasHeartbeat());
      return m;
    }

    void send(WorkerMessage m) {
      out.onNext(m);
    }
  }

  static NodeDescriptor.Builder node(ProtocolVersion... versions) {
    NodeDescriptor.Builder b =
        NodeDescriptor.newBuilder()
            .setName("scripted")
            .setHardware(Hardware.newBuilder().setArch("amd64").setOs("linux").setCores(2).setMemoryBytes(1L << 30))
            .addOperators("tensor.add@1")
            .setMaxConcurrentTasks(2)
            .setMaxTaskBytes(1L << 30);
    for (ProtocolVersion v : versions) {
      b.addProtocolVersions(v);
    }
    return b;
  }

  private Scripted admitted() throws InterruptedException {
    Scripted w = new Scripted();
    w.send(WorkerMessage.newBuilder().setHello(Hellos.sign(node(ProtocolVersions.CURRENT), w.key)).build());
    OrchestratorMessage welcome = w.next();
    assertThat(welcome.hasWelcome()).isTrue();
    assertThat(welcome.getWelcome().getNegotiated()).isEqualTo(ProtocolVersions.CURRENT);
    return w;
  }

  @Test
  void aWorkerClaimingOnlyAFutureMajorIsRefusedNamingBothVersions() throws Exception {
    Scripted w = new Scripted();
    w.send(
        WorkerMessage.newBuilder()
            .setHello(Hellos.sign(node(ProtocolVersions.of(2, 0, 0)), Ed25519.generate()))
            .build());
    OrchestratorMessage error = w.next();
    assertThat(error.getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_VERSION_MISMATCH);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.closed != null);
    assertThat(w.closed.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(w.closed.getDescription())
        .isEqualTo("protocol version mismatch: orchestrator supports [1.2.0], worker supports [2.0.0]");
    assertThat(core.workers().get()).isEmpty();
  }

  @Test
  void aNewerMinorOfTheSameMajorIsSpokenAtOurMinor() throws Exception {
    Scripted w = new Scripted();
    w.send(
        WorkerMessage.newBuilder()
            .setHello(Hellos.sign(node(ProtocolVersions.of(1, 3, 0), ProtocolVersions.of(2, 0, 0)), Ed25519.generate()))
            .build());
    assertThat(w.next().getWelcome().getNegotiated()).isEqualTo(ProtocolVersions.of(1, 2, 0));
  }

  @Test
  void anythingBeforeHelloIsRefused() throws Exception {
    Scripted w = new Scripted();
    w.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
    assertThat(w.next().getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_OUT_OF_ORDER);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.closed != null);
    assertThat(w.closed.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void aForgedSignatureIsRefused() throws Exception {
    Scripted w = new Scripted();
    Hello real = Hellos.sign(node(ProtocolVersions.CURRENT), Ed25519.generate());
    byte[] sig = real.getSignature().toByteArray();
    sig[0] ^= 1;
    w.send(WorkerMessage.newBuilder().setHello(real.toBuilder().setSignature(ByteString.copyFrom(sig))).build());
    assertThat(w.next().getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.closed != null);
    assertThat(w.closed.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aPeerIdThatDoesNotDeriveFromTheKeyIsRefused() throws Exception {
    KeyPair key = Ed25519.generate();
    NodeDescriptor d =
        node(ProtocolVersions.CURRENT)
            .setPublicKey(ByteString.copyFrom(Ed25519.rawPublicKey(key.getPublic())))
            .setPeerId("waaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            .build();
    Scripted w = new Scripted();
    w.send(
        WorkerMessage.newBuilder()
            .setHello(Hello.newBuilder().setNodeDescriptor(d.toByteString()).setSignature(ByteString.copyFrom(new byte[64])))
            .build());
    OrchestratorMessage error = w.next();
    assertThat(error.getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
    assertThat(error.getError().getMessage()).contains("does not derive from public_key");
  }

  @Test
  void aDescriptorWithNoOperatorsIsMalformed() throws Exception {
    Scripted w = new Scripted();
    w.send(
        WorkerMessage.newBuilder()
            .setHello(Hellos.sign(node(ProtocolVersions.CURRENT).clearOperators(), Ed25519.generate()))
            .build());
    assertThat(w.next().getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_MALFORMED);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.closed != null);
    assertThat(w.closed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void everyKindOfMalformedMessageIsRefusedAndChangesNothing() throws Exception {
    Scripted w = admitted();
    String job = core.submit(plan()).get(5, TimeUnit.SECONDS);
    TaskDescriptor t = w.nextOtherThanHeartbeat().getDispatch();
    AttemptRef ref = t.getAttempt();
    Tensor sum = Tensor.float32(Shape.of(2), new float[] {11, 22});
    var good = WireTensors.toWire(sum);

    List<WorkerMessage> bad =
        List.of(
            // ack: bad id characters, attempt 0, rejection without a reason
            ack(ref.toBuilder().setTaskId("t 0").build(), true),
            ack(ref.toBuilder().setAttempt(0).build(), true),
            WorkerMessage.newBuilder().setAck(TaskAck.newBuilder().setAttempt(ref).setAccepted(false)).build(),
            // result: unspecified status, unknown enum value, outputs on a failure, data/shape mismatch, dtype unset
            result(ResultDescriptor.newBuilder().setAttempt(ref)),
            result(ResultDescriptor.newBuilder().setAttempt(ref).setStatusValue(99)),
            result(
                ResultDescriptor.newBuilder()
                    .setAttempt(ref)
                    .setStatus(ResultStatus.RESULT_STATUS_FAILED)
                    .addOutputs(Value.newBuilder().setTensor(good))),
            result(
                ResultDescriptor.newBuilder()
                    .setAttempt(ref)
                    .setStatus(ResultStatus.RESULT_STATUS_OK)
                    .addOutputs(Value.newBuilder().setTensor(good.toBuilder().setData(ByteString.copyFrom(new byte[3]))))),
            result(
                ResultDescriptor.newBuilder()
                    .setAttempt(ref)
                    .setStatus(ResultStatus.RESULT_STATUS_OK)
                    .addOutputs(Value.newBuilder().setTensor(good.toBuilder().setDtypeValue(0)))),
            result(
                ResultDescriptor.newBuilder()
                    .setAttempt(ref)
                    .setStatus(ResultStatus.RESULT_STATUS_OK)
                    .addOutputs(Value.newBuilder())),
            // chunk on an unknown channel; heartbeat with an impossible load; an empty message; a second Hello
            WorkerMessage.newBuilder()
                .setChunk(OutputChunk.newBuilder().setAttempt(ref).setChannel("video").setData(ByteString.copyFromUtf8("x")))
                .build(),
            WorkerMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setLoad(Load.newBuilder().setCpuLoad(Double.NaN)))
                .build(),
            WorkerMessage.getDefaultInstance(),
            WorkerMessage.newBuilder().setHello(Hellos.sign(node(ProtocolVersions.CURRENT), Ed25519.generate())).build());

    for (WorkerMessage m : bad) {
      w.send(m);
      OrchestratorMessage reply = w.nextOtherThanHeartbeat();
      assertThat(reply.hasError()).as("refused: %s", m).isTrue();
      assertThat(reply.getError().getCode())
          .isIn(ErrorCode.ERROR_CODE_MALFORMED, ErrorCode.ERROR_CODE_OUT_OF_ORDER, ErrorCode.ERROR_CODE_TOO_LARGE);
      var task = core.task(job, ref.getTaskId()).get().orElseThrow();
      assertThat(task.state()).isEqualTo(TaskState.RUNNING);
      assertThat(task.attempts()).singleElement().extracting(a -> a.state()).isEqualTo(AttemptState.DISPATCHED);
    }
    // An ack for an attempt never sent to this worker.
    w.send(ack(ref.toBuilder().setTaskId("t9").build(), true));
    assertThat(w.nextOtherThanHeartbeat().getError().getCode()).isEqualTo(ErrorCode.ERROR_CODE_UNKNOWN_ATTEMPT);
    assertThat(w.closed).as("refusals keep the stream open").isNull();

    // The stream still works: a good, signed result completes the job.
    w.send(ack(ref, true));
    ResultDescriptor signed =
        ResultSignatures.sign(
            ResultDescriptor.newBuilder()
                .setAttempt(ref)
                .setStatus(ResultStatus.RESULT_STATUS_OK)
                .addOutputs(Value.newBuilder().setTensor(good))
                .build(),
            w.key.getPrivate());
    w.send(WorkerMessage.newBuilder().setResult(signed).build());
    assertThat(w.nextOtherThanHeartbeat().getReceipt().getDisposition()).isEqualTo(Disposition.DISPOSITION_ACCEPTED);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> core.job(job).get().orElseThrow().state() == JobState.SUCCEEDED);
  }

  @Test
  void aResultIsVerifiedBeforeAnythingElseAndAReplayIsRefused() throws Exception {
    Scripted w = admitted();
    String job = core.submit(plan()).get(5, TimeUnit.SECONDS);
    AttemptRef ref = w.nextOtherThanHeartbeat().getDispatch().getAttempt();
    ResultDescriptor honest =
        ResultDescriptor.newBuilder()
            .setAttempt(ref)
            .setStatus(ResultStatus.RESULT_STATUS_OK)
            .addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(Tensor.float32(Shape.of(2), new float[] {11, 22}))))
            .build();

    // Unsigned, signed by another key, and signed over other outputs: all refused as forged.
    ResultDescriptor byOther = ResultSignatures.sign(honest, Ed25519.generate().getPrivate());
    ResultDescriptor swapped =
        ResultSignatures.sign(honest, w.key.getPrivate()).toBuilder()
            .setOutputs(0, Value.newBuilder().setTensor(WireTensors.toWire(Tensor.float32(Shape.of(2), new float[] {11, 23}))))
            .build();
    for (ResultDescriptor forged : List.of(honest, byOther, swapped)) {
      w.send(WorkerMessage.newBuilder().setResult(forged).build());
      OrchestratorMessage reply = w.nextOtherThanHeartbeat();
      assertThat(reply.getReceipt().getDisposition()).isEqualTo(Disposition.DISPOSITION_BAD_SIGNATURE);
    }
    // The first forgery failed the attempt; a retry goes out after the backoff.
    var task = core.task(job, "t0").get().orElseThrow();
    assertThat(task.attempts().getFirst().state()).isEqualTo(AttemptState.FAILED);
    assertThat(task.attempts().getFirst().detail()).isEqualTo("bad signature");
    assertThat(task.result()).isNull();
    // Three forgeries are more than enough to quarantine a worker; lift it to see the retry through.
    assertThat(core.standing(task.attempts().getFirst().peerId()).get().standing().quarantined()).isTrue();
    assertThat(core.liftQuarantine(task.attempts().getFirst().peerId()).get()).isTrue();

    clock.advance(1_000);
    AttemptRef retry = w.nextOtherThanHeartbeat().getDispatch().getAttempt();
    assertThat(retry.getAttempt()).isEqualTo(2);
    ResultDescriptor signed = ResultSignatures.sign(honest.toBuilder().setAttempt(retry).build(), w.key.getPrivate());
    w.send(WorkerMessage.newBuilder().setResult(signed).build());
    assertThat(w.nextOtherThanHeartbeat().getReceipt().getDisposition()).isEqualTo(Disposition.DISPOSITION_ACCEPTED);
    // The same signed result again on the same stream is a deliberate replay.
    w.send(WorkerMessage.newBuilder().setResult(signed).build());
    assertThat(w.nextOtherThanHeartbeat().getReceipt().getDisposition()).isEqualTo(Disposition.DISPOSITION_REPLAYED);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> core.job(job).get().orElseThrow().state() == JobState.SUCCEEDED);
  }

  @Test
  void aClosedStreamMakesTheWorkerGone() throws Exception {
    Scripted w = admitted();
    assertThat(core.workers().get()).hasSize(1);
    w.out.onCompleted();
    await().atMost(Duration.ofSeconds(5)).until(() -> core.workers().get().isEmpty());
  }

  private static WorkerMessage ack(AttemptRef ref, boolean accepted) {
    return WorkerMessage.newBuilder().setAck(TaskAck.newBuilder().setAttempt(ref).setAccepted(accepted)).build();
  }

  private static WorkerMessage result(ResultDescriptor.Builder r) {
    return WorkerMessage.newBuilder().setResult(r).build();
  }

  private static JobPlan plan() {
    Tensor a = Tensor.float32(Shape.of(2), new float[] {1, 2});
    Tensor b = Tensor.float32(Shape.of(2), new float[] {10, 20});
    var op = OperatorRegistry.standard().require(dev.shoal.operators.OperatorId.parse("tensor.add@1"));
    return new JobPlan(
        "tasks",
        "{}".getBytes(),
        List.of(
            new PlannedTask(
                "t0",
                TaskDescriptor.newBuilder()
                    .setOperator("tensor.add@1")
                    .addInputs(Value.newBuilder().setTensor(WireTensors.toWire(a)))
                    .addInputs(Value.newBuilder().setTensor(WireTensors.toWire(b)))
                    .setTimeoutMs(60_000)
                    .build(),
                3,
                op.outputSpecs(List.of(a.spec(), b.spec()), dev.shoal.operators.Attributes.empty()))),
        0);
  }
}
