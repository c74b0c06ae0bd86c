package dev.shoal.orchestrator.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.DType;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.TensorSpec;
import dev.shoal.orchestrator.internal.acceptance.AcceptancePolicy;
import dev.shoal.orchestrator.internal.acceptance.OperatorChecker;
import dev.shoal.orchestrator.internal.acceptance.ResultChecker;
import dev.shoal.orchestrator.internal.reputation.ReputationPolicy;
import dev.shoal.orchestrator.internal.store.GroupCommitter;
import dev.shoal.orchestrator.internal.store.MemoryStore;
import dev.shoal.orchestrator.internal.store.StateStore;
import dev.shoal.orchestrator.internal.time.FakeClock;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.AttemptRef;
import dev.shoal.protocol.v1.Diagnostics;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.Resources;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Value;
import io.grpc.Status;
import java.security.KeyPair;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A core on a fake clock with an in-memory store, and scripted workers that speak to it
 * directly: the lifecycle without a transport. Not thread-safe; one test at a time.
 */
final class CoreHarness implements AutoCloseable {

  static final long HEARTBEAT = 1_000;

  final FakeClock clock = new FakeClock(1_700_000_000_000L);
  final StateStore store;
  final GroupCommitter committer;
  final Core core;
  private final List<FakeWorker> workers = new ArrayList<>();
  /** The protocol version workers admitted from now on speak. */
  String workerVersion = "1.2.0";

  /** Validations run at once unless held; held ones wait for {@link #releaseValidations()}. */
  private final ArrayDeque<Runnable> heldValidations = new ArrayDeque<>();
  boolean holdValidations;

  CoreHarness() {
    this(new MemoryStore());
  }

  CoreHarness(StateStore store) {
    this(store, 0);
  }

  /** A harness whose core re-executes {@code spotCheckFraction} of first_valid tasks. */
  CoreHarness(StateStore store, double spotCheckFraction) {
    this(store, spotCheckFraction, new OperatorChecker(OperatorRegistry.standard()));
  }

  /** The same with another checker, e.g. one that lets wrong results through to a vote. */
  CoreHarness(StateStore store, double spotCheckFraction, ResultChecker checker) {
    this.store = store;
    this.committer = new GroupCommitter(store);
    this.core =
        new Core(
            new CoreSettings(
                "test", HEARTBEAT, 3, 500, 2_000, 100, 1_000, 60_000, spotCheckFraction, ReputationPolicy.DEFAULT),
            clock,
            store,
            committer,
            Runnable::run,
            checker,
            job -> {
              if (holdValidations) {
                heldValidations.add(job);
              } else {
                job.run();
              }
            },
            Ed25519.generate());
    core.start();
  }

  /** Runs every held validation, and any they lead to, then stops holding. */
  void releaseValidations() {
    holdValidations = false;
    Runnable job;
    while ((job = heldValidations.poll()) != null) {
      job.run();
    }
  }

  /** A job of {@code n} tensor.add@1 tasks over two 2-element float32 vectors. */
  static JobPlan addJob(int n, int maxAttempts, long timeoutMs, long deadlineMs) {
    return addJob(n, maxAttempts, timeoutMs, deadlineMs, AcceptancePolicy.FIRST_VALID);
  }

  /** The same, accepted under {@code policy}. */
  static JobPlan addJob(int n, int maxAttempts, long timeoutMs, long deadlineMs, AcceptancePolicy policy) {
    Tensor a = Tensor.float32(Shape.of(2), new float[] {1, 2});
    Tensor b = Tensor.float32(Shape.of(2), new float[] {10, 20});
    List<PlannedTask> tasks =
        IntStream.range(0, n)
            .mapToObj(
                i ->
                    new PlannedTask(
                        "t" + i,
                        TaskDescriptor.newBuilder()
                            .setOperator("tensor.add@1")
                            .addInputs(Value.newBuilder().setTensor(WireTensors.toWire(a)))
                            .addInputs(Value.newBuilder().setTensor(WireTensors.toWire(b)))
                            .setTimeoutMs(timeoutMs)
                            .setResources(Resources.newBuilder().setMemoryBytes(24))
                            .build(),
                        maxAttempts,
                        List.of(new TensorSpec(DType.FLOAT32, Shape.of(2))),
                        policy))
            .toList();
    return new JobPlan("tasks", "{}".getBytes(), tasks, deadlineMs);
  }

  String submit(JobPlan plan) throws Exception {
    return core.submit(plan).get(5, TimeUnit.SECONDS);
  }

  JobStatus job(String id) throws Exception {
    return core.job(id).get(5, TimeUnit.SECONDS).orElseThrow();
  }

  TaskStatus task(String jobId, String taskId) throws Exception {
    return core.task(jobId, taskId).get(5, TimeUnit.SECONDS).orElseThrow();
  }

  FakeWorker worker(String name, int capacity) {
    return worker(name, capacity, "tensor.add@1");
  }

  /**
   * Moves time forward in half-heartbeat steps; every worker not marked silent heartbeats at
   * each step, as a live worker would.
   */
  void advance(long millis) {
    long left = millis;
    while (left > 0) {
      long step = Math.min(left, HEARTBEAT / 2);
      for (FakeWorker w : workers) {
        if (!w.silent) {
          w.heartbeat();
        }
      }
      clock.advance(step);
      left -= step;
    }
  }

  FakeWorker worker(String name, int capacity, String... operators) {
    KeyPair key = Ed25519.generate();
    return admit(new FakeWorker(key, descriptor(name, capacity, List.of(operators), key)));
  }

  /** A worker with a name, models and services, as an LLM server's worker advertises them. */
  FakeWorker worker(String name, int capacity, List<String> operators, List<String> models, List<String> services) {
    KeyPair key = Ed25519.generate();
    NodeDescriptor d =
        descriptor(name, capacity, operators, key).toBuilder().addAllModels(models).addAllServices(services).build();
    return admit(new FakeWorker(key, d));
  }

  /** The same worker (same key) on a new stream, as after a reconnect; the old stream is replaced. */
  FakeWorker reconnect(FakeWorker old) {
    old.silent = true;
    return admit(new FakeWorker(old.key, old.session.descriptor));
  }

  private FakeWorker admit(FakeWorker w) {
    workers.add(w);
    core.connected(w.session);
    assertThat(w.poll().hasWelcome()).isTrue();
    return w;
  }

  /** Lets the store writer catch up, so store-backed reads see everything so far. */
  void settle() throws Exception {
    committer.barrier().get(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    core.stop();
    committer.close();
    store.close();
  }

  static NodeDescriptor descriptor(String name, int capacity, List<String> operators, KeyPair pair) {
    byte[] key = Ed25519.rawPublicKey(pair.getPublic());
    return NodeDescriptor.newBuilder()
        .setPeerId(PeerIds.fromPublicKey(key))
        .setPublicKey(WireTensors.wrap(key))
        .setName(name)
        .setHardware(Hardware.newBuilder().setCores(2).setMemoryBytes(1L << 30))
        .addAllOperators(operators)
        .setMaxConcurrentTasks(capacity)
        .setMaxTaskBytes(1L << 30)
        .addProtocolVersions(ProtocolVersions.CURRENT)
        .build();
  }

  /** A worker scripted by the test: records what the core sends and answers on command. */
  final class FakeWorker implements WorkerChannel {
    final ConcurrentLinkedQueue<OrchestratorMessage> inbox = new ConcurrentLinkedQueue<>();
    final WorkerSession session;
    Status closedWith;
    /** A silent worker sends no heartbeats while the harness advances time. */
    boolean silent;

    /** Signs this worker's results, as a real worker does; the link would verify them. */
    final KeyPair key;

    FakeWorker(KeyPair key, NodeDescriptor d) {
      this.key = key;
      session = new WorkerSession(core.newSessionId(), d, this, workerVersion, clock.millis());
    }

    String peerId() {
      return session.peerId();
    }

    /** Receipts are sent once their batch commits: wait for that. */
    void awaitCommit() throws Exception {
      settle();
    }

    @Override
    public void send(OrchestratorMessage message) {
      inbox.add(message);
    }

    @Override
    public void close(Status status) {
      closedWith = status;
    }

    OrchestratorMessage poll() {
      return inbox.poll();
    }

    /** Every dispatch received so far, other messages dropped. */
    List<TaskDescriptor> dispatches() {
      List<TaskDescriptor> out = new ArrayList<>();
      OrchestratorMessage m;
      while ((m = inbox.poll()) != null) {
        if (m.hasDispatch()) {
          out.add(m.getDispatch());
        }
      }
      return out;
    }

    List<OrchestratorMessage> drain() {
      List<OrchestratorMessage> out = new ArrayList<>();
      OrchestratorMessage m;
      while ((m = inbox.poll()) != null) {
        out.add(m);
      }
      return out;
    }

    void accept(TaskDescriptor t) {
      core.ack(session, TaskAck.newBuilder().setAttempt(t.getAttempt()).setAccepted(true).build());
    }

    void reject(TaskDescriptor t, RejectReason reason) {
      core.ack(
          session,
          TaskAck.newBuilder().setAttempt(t.getAttempt()).setAccepted(false).setReason(reason).setDetail("test").build());
    }

    /** Answers with the correct sum. */
    void succeed(TaskDescriptor t) {
      result(t.getAttempt(), ResultStatus.RESULT_STATUS_OK, Tensor.float32(Shape.of(2), new float[] {11, 22}));
    }

    /** Answers with a sum of the right shape that is wrong by {@code off} in its second element. */
    void lie(TaskDescriptor t, float off) {
      result(t.getAttempt(), ResultStatus.RESULT_STATUS_OK, Tensor.float32(Shape.of(2), new float[] {11, 22 + off}));
    }

    void result(AttemptRef ref, ResultStatus status, Tensor... outputs) {
      ResultDescriptor.Builder r =
          ResultDescriptor.newBuilder()
              .setAttempt(ref)
              .setStatus(status)
              .setDiagnostics(Diagnostics.newBuilder().setErrorKind("execution").setMessage("scripted"));
      for (Tensor o : outputs) {
        r.addOutputs(Value.newBuilder().setTensor(WireTensors.toWire(o)));
      }
      core.result(session, ResultSignatures.sign(r.build(), key.getPrivate()));
    }

    /** Signs and sends an OK result with these outputs (blobs, for programs). */
    void answer(TaskDescriptor t, Value... outputs) {
      ResultDescriptor r =
          ResultDescriptor.newBuilder()
              .setAttempt(t.getAttempt())
              .setStatus(ResultStatus.RESULT_STATUS_OK)
              .addAllOutputs(List.of(outputs))
              .build();
      core.result(session, ResultSignatures.sign(r, key.getPrivate()));
    }

    /** Streams one chunk of output for the attempt. */
    void chunk(TaskDescriptor t, long seq, String channel, String text) {
      core.chunk(
          session,
          dev.shoal.protocol.v1.OutputChunk.newBuilder()
              .setAttempt(t.getAttempt())
              .setSeq(seq)
              .setChannel(channel)
              .setData(com.google.protobuf.ByteString.copyFromUtf8(text))
              .build());
    }

    void heartbeat() {
      core.heartbeat(session, Heartbeat.newBuilder().setSentAtMs(clock.millis()).build());
    }

    void disconnect(String reason) {
      silent = true;
      core.disconnected(session, reason);
    }
  }
}
