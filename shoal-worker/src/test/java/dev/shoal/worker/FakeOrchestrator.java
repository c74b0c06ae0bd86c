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
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultReceipt;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.Welcome;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test double of the orchestrator — not the real one. An in-process {@code WorkerLink} server
 * that checks and answers the worker's Hello like the protocol says (Welcome, or ProtocolError
 * plus close on a version mismatch), echoes heartbeats, answers results with receipts, records
 * everything the worker sends, and lets a test dispatch, cancel and drop streams by hand.
 */
final class FakeOrchestrator implements AutoCloseable {

  private static final AtomicInteger NAMES = new AtomicInteger();

  private final String address;
  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  private final Server server;

  volatile long heartbeatIntervalMs = 100;
  volatile int missedHeartbeatsLimit = 20;
  volatile long maxMessageBytes = 64 << 20;
  /** When false the fake never speaks after Welcome, so the worker should find it silent. */
  volatile boolean echoHeartbeats = true;

  private final WorkerLinkGrpc.WorkerLinkImplBase service =
      new WorkerLinkGrpc.WorkerLinkImplBase() {
        @Override
        public StreamObserver<WorkerMessage> connect(StreamObserver<OrchestratorMessage> out) {
          Stream s = new Stream((ServerCallStreamObserver<OrchestratorMessage>) out);
          streams.add(s);
          return s;
        }
      };

  /** An in-process fake; its name looks like {@code host:port} to pass config validation. */
  FakeOrchestrator() throws IOException {
    this(false);
  }

  private FakeOrchestrator(boolean netty) throws IOException {
    if (netty) {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(service)
              .permitKeepAliveTime(5, TimeUnit.SECONDS)
              .build()
              .start();
      address = "127.0.0.1:" + server.getPort();
    } else {
      address = "fake-orchestrator-" + NAMES.incrementAndGet() + ":7070";
      server = InProcessServerBuilder.forName(address).addService(service).build().start();
    }
  }

  /** A fake on a real loopback port, for the worker's production (Netty) transport. */
  static FakeOrchestrator overNetty() throws IOException {
    return new FakeOrchestrator(true);
  }

  String address() {
    return address;
  }

  /** The channel factory a worker under test uses: in-process, events on the caller's thread. */
  static ManagedChannel channel(String address) {
    return InProcessChannelBuilder.forName(address).directExecutor().build();
  }

  int streamCount() {
    return streams.size();
  }

  /** Waits for the worker's {@code index}-th stream (from 0) to be welcomed. */
  Stream stream(int index) {
    await().until(() -> streams.size() > index && streams.get(index).welcomed);
    return streams.get(index);
  }

  /** Waits for the worker's {@code index}-th stream to have been opened, welcomed or not. */
  Stream rawStream(int index) {
    await().until(() -> streams.size() > index);
    return streams.get(index);
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  /** One worker stream as the orchestrator sees it. */
  final class Stream implements StreamObserver<WorkerMessage> {
    private final ServerCallStreamObserver<OrchestratorMessage> out;
    private final List<WorkerMessage> received = new CopyOnWriteArrayList<>();
    private boolean closed;
    volatile boolean welcomed;
    volatile NodeDescriptor node;
    volatile boolean completedByWorker;
    volatile Status errorFromWorker;

    Stream(ServerCallStreamObserver<OrchestratorMessage> out) {
      this.out = out;
    }

    @Override
    public void onNext(WorkerMessage m) {
      received.add(m);
      switch (m.getBodyCase()) {
        case HELLO -> hello(m);
        case HEARTBEAT -> {
          if (echoHeartbeats) {
            send(OrchestratorMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAtMs(System.currentTimeMillis())).build());
          }
        }
        case RESULT ->
            send(
                OrchestratorMessage.newBuilder()
                    .setReceipt(
                        ResultReceipt.newBuilder()
                            .setAttempt(m.getResult().getAttempt())
                            .setDisposition(Disposition.DISPOSITION_ACCEPTED))
                    .build());
        default -> {}
      }
    }

    private void hello(WorkerMessage m) {
      try {
        node = Hellos.open(m.getHello(), new MessageValidator(ProtocolLimits.DEFAULT));
      } catch (ProtocolViolation v) {
        send(OrchestratorMessage.newBuilder().setError(v.toError("hello")).build());
        close(Status.UNAUTHENTICATED.withDescription(v.getMessage()));
        return;
      }
      switch (ProtocolVersions.negotiate(ProtocolVersions.SUPPORTED, node.getProtocolVersionsList())) {
        case ProtocolVersions.Negotiation.Refused r -> {
          send(
              OrchestratorMessage.newBuilder()
                  .setError(
                      ProtocolError.newBuilder()
                          .setCode(ErrorCode.ERROR_CODE_VERSION_MISMATCH)
                          .setMessage(r.message())
                          .setSubject("hello"))
                  .build());
          close(Status.FAILED_PRECONDITION.withDescription(r.message()));
        }
        case ProtocolVersions.Negotiation.Agreed a -> {
          send(
              OrchestratorMessage.newBuilder()
                  .setWelcome(
                      Welcome.newBuilder()
                          .setNegotiated(a.version())
                          .setPeerId(node.getPeerId())
                          .setHeartbeatIntervalMs(heartbeatIntervalMs)
                          .setMissedHeartbeatsLimit(missedHeartbeatsLimit)
                          .setOrchestratorId("fake")
                          .setMaxMessageBytes(maxMessageBytes))
                  .build());
          welcomed = true;
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      errorFromWorker = Status.fromThrowable(t);
      synchronized (this) {
        closed = true;
      }
    }

    @Override
    public void onCompleted() {
      completedByWorker = true;
      close(Status.OK);
    }

    synchronized void send(OrchestratorMessage m) {
      if (!closed) {
        out.onNext(m);
      }
    }

    /** Ends the stream from the orchestrator's side with {@code status}. */
    synchronized void close(Status status) {
      if (closed) {
        return;
      }
      closed = true;
      if (status.isOk()) {
        out.onCompleted();
      } else {
        out.onError(status.asRuntimeException());
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

    List<WorkerMessage> received() {
      return List.copyOf(received);
    }

    WorkerMessage first() {
      await().until(() -> !received.isEmpty());
      return received.getFirst();
    }

    List<TaskAck> acks(String taskId) {
      return received.stream().filter(WorkerMessage::hasAck).map(WorkerMessage::getAck)
          .filter(a -> a.getAttempt().getTaskId().equals(taskId)).toList();
    }

    List<ResultDescriptor> results(String taskId) {
      return received.stream().filter(WorkerMessage::hasResult).map(WorkerMessage::getResult)
          .filter(r -> r.getAttempt().getTaskId().equals(taskId)).toList();
    }

    /** Waits for the (first) ack of {@code taskId}. */
    TaskAck ack(String taskId) {
      await().until(() -> !acks(taskId).isEmpty());
      return acks(taskId).getFirst();
    }

    /** Waits for the (first) result of {@code taskId}. */
    ResultDescriptor result(String taskId) {
      await().until(() -> !results(taskId).isEmpty());
      return results(taskId).getFirst();
    }

    /** Waits for a heartbeat matching {@code p}. */
    Heartbeat heartbeat(Predicate<Heartbeat> p) {
      await().until(() -> received.stream().anyMatch(m -> m.hasHeartbeat() && p.test(m.getHeartbeat())));
      return received.stream().filter(m -> m.hasHeartbeat() && p.test(m.getHeartbeat())).findFirst().orElseThrow().getHeartbeat();
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

    void awaitEnded(Duration atMost) {
      await().atMost(atMost).until(() -> completedByWorker || errorFromWorker != null);
    }
  }
}
