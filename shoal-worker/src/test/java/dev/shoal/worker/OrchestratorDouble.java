package dev.shoal.worker;

import static org.awaitility.Awaitility.await;

import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.ProtocolViolation;
import dev.shoal.protocol.v1.CancelAttempt;
import dev.shoal.protocol.v1.Disposition;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.Load;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultReceipt;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Welcome;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test double of the orchestrator, not the real one: a {@link WorkerLinkGrpc.WorkerLinkImplBase}
 * served in-process that records every message a worker sends on each {@code Connect} call and
 * lets a test send {@link OrchestratorMessage}s back by hand.
 *
 * <p>By default it behaves like a well-mannered orchestrator: it opens each {@code Hello} with
 * {@link Hellos#open}, answers with a {@code Welcome} (or, when no protocol version is shared,
 * with a {@code ProtocolError VERSION_MISMATCH} and a {@code FAILED_PRECONDITION} close), answers
 * each heartbeat with one of its own and each result with an {@code ACCEPTED} receipt, and closes
 * its side when the worker half-closes. Each behaviour can be switched off to play a silent or
 * hostile orchestrator.
 */
final class OrchestratorDouble implements AutoCloseable {

  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final MessageValidator VALIDATOR = new MessageValidator(ProtocolLimits.DEFAULT);

  /** The in-process server name; shaped like {@code host:port} so WorkerConfig accepts it. */
  private final String address = "orchestrator-double-" + NAMES.incrementAndGet() + ":7070";

  private final Server server;
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  // ---- behaviour, settable by a test before the worker connects ----------------------------
  /** Versions this orchestrator speaks; a worker sharing no major with them is refused. */
  volatile List<ProtocolVersion> versions = ProtocolVersions.SUPPORTED;
  /** Whether a valid Hello is answered with a Welcome at once. */
  volatile boolean autoWelcome = true;
  volatile long heartbeatIntervalMs = 1_000;
  volatile int missedHeartbeatsLimit = 10;
  /** Whether every worker heartbeat is answered with one; false plays a silent orchestrator. */
  volatile boolean echoHeartbeats = true;
  /** Whether every result is answered with an ACCEPTED receipt. */
  volatile boolean sendReceipts = true;
  /**
   * How long the double stays busy after reading a result before it reads the next message,
   * like an orchestrator whose core is momentarily slow. Zero: not at all.
   */
  volatile Duration busyAfterResult = Duration.ZERO;

  OrchestratorDouble() throws IOException {
    WorkerLinkGrpc.WorkerLinkImplBase service =
        new WorkerLinkGrpc.WorkerLinkImplBase() {
          @Override
          public StreamObserver<WorkerMessage> connect(StreamObserver<OrchestratorMessage> responses) {
            Call call = new Call(calls.size(), (ServerCallStreamObserver<OrchestratorMessage>) responses);
            calls.add(call);
            return call;
          }
        };
    server = InProcessServerBuilder.forName(address).addService(service).build().start();
  }

  String address() {
    return address;
  }

  /** The channel factory the workers under test are created with. */
  ManagedChannel channel(String target) {
    return InProcessChannelBuilder.forName(target).directExecutor().build();
  }

  int callCount() {
    return calls.size();
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Waits until the worker has opened its {@code index}-th call (from 0). */
  Call awaitCall(int index) {
    await().until(() -> calls.size() > index);
    return calls.get(index);
  }

  /** Waits until the worker's {@code index}-th call has been welcomed. */
  Call awaitWelcomed(int index) {
    Call c = awaitCall(index);
    await().until(() -> c.welcomed);
    return c;
  }

  /** Every message received on every call, in call order. */
  List<WorkerMessage> allReceived() {
    return calls.stream().flatMap(c -> c.received().stream()).toList();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  static Welcome welcome(NodeDescriptor node, ProtocolVersion negotiated, long intervalMs, int missedLimit) {
    return Welcome.newBuilder()
        .setNegotiated(negotiated)
        .setPeerId(node.getPeerId())
        .setHeartbeatIntervalMs(intervalMs)
        .setMissedHeartbeatsLimit(missedLimit)
        .setOrchestratorId("orchestrator-double")
        .setMaxMessageBytes(ProtocolLimits.DEFAULT.maxMessageBytes())
        .build();
  }

  /** One {@code Connect} call as the orchestrator sees it. */
  final class Call implements StreamObserver<WorkerMessage> {

    final int index;
    private final ServerCallStreamObserver<OrchestratorMessage> out;
    private final List<WorkerMessage> received = new CopyOnWriteArrayList<>();
    /** Guarded by this. */
    private boolean closedByUs;

    volatile NodeDescriptor node;
    volatile ProtocolVersion negotiated;
    volatile boolean welcomed;
    /** The worker half-closed (onCompleted). */
    volatile boolean halfClosedByWorker;
    /** The call was cancelled from the worker's side. */
    volatile boolean cancelledByWorker;
    /** The status of an error the worker's side ended the call with. */
    volatile Status errorFromWorker;

    Call(int index, ServerCallStreamObserver<OrchestratorMessage> out) {
      this.index = index;
      this.out = out;
      out.setOnCancelHandler(() -> cancelledByWorker = true);
    }

    // ---- what the worker sends -------------------------------------------------------------

    @Override
    public void onNext(WorkerMessage m) {
      received.add(m);
      switch (m.getBodyCase()) {
        case HELLO -> hello(m);
        case HEARTBEAT -> {
          if (echoHeartbeats) {
            send(
                OrchestratorMessage.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSentAtMs(System.currentTimeMillis()).setLoad(Load.getDefaultInstance()))
                    .build());
          }
        }
        case RESULT -> {
          stayBusy(busyAfterResult);
          if (sendReceipts) {
            send(
                OrchestratorMessage.newBuilder()
                    .setReceipt(
                        ResultReceipt.newBuilder()
                            .setAttempt(m.getResult().getAttempt())
                            .setDisposition(Disposition.DISPOSITION_ACCEPTED))
                    .build());
          }
        }
        default -> {}
      }
    }

    /** Keeps this call's (serial) executor busy, so later messages wait unread in gRPC. */
    private void stayBusy(Duration d) {
      if (d.isZero()) {
        return;
      }
      try {
        new CountDownLatch(1).await(d.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void hello(WorkerMessage m) {
      if (node != null) {
        refuse(ErrorCode.ERROR_CODE_OUT_OF_ORDER, "second Hello", Status.FAILED_PRECONDITION);
        return;
      }
      try {
        node = Hellos.open(m.getHello(), VALIDATOR);
      } catch (ProtocolViolation v) {
        refuse(v.code(), v.getMessage(), Status.UNAUTHENTICATED);
        return;
      }
      switch (ProtocolVersions.negotiate(versions, node.getProtocolVersionsList())) {
        case ProtocolVersions.Negotiation.Refused r ->
            refuse(ErrorCode.ERROR_CODE_VERSION_MISMATCH, r.message(), Status.FAILED_PRECONDITION);
        case ProtocolVersions.Negotiation.Agreed a -> {
          negotiated = a.version();
          if (autoWelcome) {
            sendWelcome(heartbeatIntervalMs, missedHeartbeatsLimit);
          }
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      errorFromWorker = Status.fromThrowable(t);
      synchronized (this) {
        closedByUs = true;
      }
    }

    @Override
    public void onCompleted() {
      halfClosedByWorker = true;
      close(Status.OK);
    }

    // ---- what the test sends ---------------------------------------------------------------

    void sendWelcome(long intervalMs, int missedLimit) {
      sendWelcome(welcome(node, negotiated, intervalMs, missedLimit));
    }

    /** Sends {@code w} as it is, whatever it says. */
    void sendWelcome(Welcome w) {
      send(OrchestratorMessage.newBuilder().setWelcome(w).build());
      welcomed = true;
    }

    /** Answers with a ProtocolError, then ends the call with {@code status}. */
    void refuse(ErrorCode code, String message, Status status) {
      send(
          OrchestratorMessage.newBuilder()
              .setError(ProtocolError.newBuilder().setCode(code).setMessage(message).setSubject("hello"))
              .build());
      close(status.withDescription(message));
    }

    synchronized void send(OrchestratorMessage m) {
      if (!closedByUs && !out.isCancelled()) {
        out.onNext(m);
      }
    }

    void dispatch(TaskDescriptor t) {
      send(OrchestratorMessage.newBuilder().setDispatch(t).build());
    }

    void cancel(TaskDescriptor t, String reason) {
      send(
          OrchestratorMessage.newBuilder()
              .setCancel(CancelAttempt.newBuilder().setAttempt(t.getAttempt()).setReason(reason))
              .build());
    }

    /** Ends the call from the orchestrator's side: OK completes it, anything else fails it. */
    synchronized void close(Status status) {
      if (closedByUs || out.isCancelled()) {
        closedByUs = true;
        return;
      }
      closedByUs = true;
      if (status.isOk()) {
        out.onCompleted();
      } else {
        out.onError(status.asRuntimeException());
      }
    }

    // ---- what the test reads ---------------------------------------------------------------

    List<WorkerMessage> received() {
      return List.copyOf(received);
    }

    /** Waits until this call's Hello has been opened and a version agreed. */
    NodeDescriptor awaitHello() {
      await().until(() -> node != null && negotiated != null);
      return node;
    }

    /** Waits for the {@code index}-th message (from 0) of this call. */
    WorkerMessage awaitMessage(int i) {
      await().until(() -> received.size() > i);
      return received.get(i);
    }

    /** Whether the worker's side ended the call, by half-close, cancel or error. */
    boolean endedByWorker() {
      return halfClosedByWorker || cancelledByWorker || errorFromWorker != null;
    }

    List<TaskAck> acks(String taskId) {
      return received.stream()
          .filter(WorkerMessage::hasAck)
          .map(WorkerMessage::getAck)
          .filter(a -> a.getAttempt().getTaskId().equals(taskId))
          .toList();
    }

    List<ResultDescriptor> results(String taskId) {
      return received.stream()
          .filter(WorkerMessage::hasResult)
          .map(WorkerMessage::getResult)
          .filter(r -> r.getAttempt().getTaskId().equals(taskId))
          .toList();
    }

    List<Heartbeat> heartbeats() {
      return received.stream().filter(WorkerMessage::hasHeartbeat).map(WorkerMessage::getHeartbeat).toList();
    }

    TaskAck awaitAck(String taskId) {
      await().until(() -> !acks(taskId).isEmpty());
      return acks(taskId).getFirst();
    }

    ResultDescriptor awaitResult(String taskId) {
      await().until(() -> !results(taskId).isEmpty());
      return results(taskId).getFirst();
    }

    Heartbeat awaitHeartbeat(Predicate<Heartbeat> p) {
      await().until(() -> heartbeats().stream().anyMatch(p));
      return heartbeats().stream().filter(p).findFirst().orElseThrow();
    }

    /** Index of the first received message matching {@code p}, or -1. */
    int indexOf(Predicate<WorkerMessage> p) {
      List<WorkerMessage> all = received();
      for (int i = 0; i < all.size(); i++) {
        if (p.test(all.get(i))) {
          return i;
        }
      }
      return -1;
    }

    /** Asserts, by polling for {@code quiet}, that no result for {@code taskId} shows up. */
    void assertNoResultFor(String taskId, Duration quiet) {
      await().during(quiet).atMost(quiet.plusSeconds(5)).until(() -> results(taskId).isEmpty());
    }
  }
}
