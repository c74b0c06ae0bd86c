package dev.shoal.worker;

import dev.shoal.operators.OperatorId;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolViolation;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Goodbye;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.RejectReason;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.TaskAck;
import dev.shoal.protocol.v1.TaskDescriptor;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import dev.shoal.worker.internal.Executor;
import dev.shoal.worker.internal.HardwareFacts;
import dev.shoal.worker.internal.KeyFiles;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: dials an orchestrator (workers only dial out), advertises itself with a signed
 * descriptor, and runs what it is sent within its limits. Reconnects with backoff when the
 * stream breaks; drains on request. Lifecycle like an ExecutorService. Thread-safe.
 */
public final class Worker {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final long WELCOME_TIMEOUT_MILLIS = 10_000;

  private final WorkerConfig config;
  private final Function<String, ManagedChannel> channels;
  private final KeyPair key;
  private final String peerId;
  private final MessageValidator validator = new MessageValidator(ProtocolLimits.DEFAULT);
  private final ScheduledExecutorService timers;
  private final ExecutorService pool;
  private final Executor executor;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Object lifecycle = new Object();
  private volatile Link link;
  private volatile boolean stopping;
  private volatile String failure;
  private int nextAddress;
  private long backoffMillis;

  private Worker(WorkerConfig config, Function<String, ManagedChannel> channels) {
    this.config = config;
    this.channels = channels;
    try {
      this.key = config.keyFile() == null ? Ed25519.generate() : KeyFiles.loadOrCreate(config.keyFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    this.peerId = PeerIds.fromPublicKey(Ed25519.rawPublicKey(key.getPublic()));
    this.timers =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "shoal-worker-timer"));
    // Platform threads: operators are CPU-bound loops and would pin virtual-thread carriers.
    this.pool = Executors.newCachedThreadPool(r -> daemon(r, "shoal-worker-task"));
    this.executor = new Executor(config.operators(), config.maxConcurrentTasks(), config.maxTaskBytes(), pool, timers);
    this.backoffMillis = config.reconnectInitial().toMillis();
  }

  /** A worker that dials with Netty, plaintext (loopback or a trusted network in this version). */
  public static Worker create(WorkerConfig config) {
    return new Worker(
        config,
        address ->
            NettyChannelBuilder.forTarget(address)
                .usePlaintext()
                // Callbacks only validate and hand off; running them on the event loop saves a hop.
                .directExecutor()
                .maxInboundMessageSize(ProtocolLimits.DEFAULT.maxMessageBytes())
                .keepAliveTime(30, TimeUnit.SECONDS)
                .build());
  }

  /** A worker with its own transport, e.g. in-process gRPC in tests. */
  public static Worker create(WorkerConfig config, Function<String, ManagedChannel> channels) {
    return new Worker(config, channels);
  }

  public Worker start() {
    log.info("event=worker_starting peer={} name=\"{}\" slots={} orchestrators={}",
        peerId, config.name(), config.maxConcurrentTasks(), config.orchestrators());
    connect();
    return this;
  }

  public String peerId() {
    return peerId;
  }

  public boolean isConnected() {
    Link l = link;
    return l != null && l.welcomed && !l.ended;
  }

  /** Attempts running now. */
  public int running() {
    return executor.running();
  }

  /** Why the worker stopped by itself (refused by the orchestrator), if it did. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * Leaves politely: takes no new tasks, lets running ones finish for up to the drain timeout,
   * hands back the rest, says goodbye and closes. Blocks until done.
   */
  public void drain() throws InterruptedException {
    if (stopping) {
      return;
    }
    executor.drain();
    Link l = link;
    if (l != null) {
      l.sendHeartbeat();
    }
    log.info("event=worker_draining peer={} running={}", peerId, executor.running());
    if (!executor.awaitIdle(config.drainTimeout().toMillis())) {
      for (ResultDescriptor r : executor.releaseAll("handed back: the worker is leaving")) {
        report(r);
      }
    }
    synchronized (lifecycle) {
      stopping = true;
    }
    l = link;
    if (l != null && !l.ended) {
      l.send(WorkerMessage.newBuilder().setGoodbye(Goodbye.newBuilder().setReason("drained")).build());
      l.halfClose();
      l.closed.await(5, TimeUnit.SECONDS);
    }
    terminate();
  }

  /** Stops at once without a goodbye, as a crash would: the orchestrator finds out on its own. */
  public void shutdownNow() {
    synchronized (lifecycle) {
      stopping = true;
    }
    Link l = link;
    if (l != null) {
      l.abort("worker stopped abruptly");
    }
    terminate();
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void terminate() {
    timers.shutdownNow();
    pool.shutdownNow();
    Link l = link;
    if (l != null) {
      l.channel.shutdownNow();
    }
    terminated.countDown();
  }

  // ---------------------------------------------------------------- connection

  private void connect() {
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      String address = config.orchestrators().get(nextAddress++ % config.orchestrators().size());
      Link l = new Link(address, channels.apply(address));
      link = l;
      l.open();
    }
  }

  private void reconnectLater() {
    long delay;
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      // Full jitter: a fleet that lost the same orchestrator does not come back in lockstep.
      delay = ThreadLocalRandom.current().nextLong(backoffMillis / 2, backoffMillis + 1);
      backoffMillis = Math.min(config.reconnectMax().toMillis(), backoffMillis * 2);
    }
    log.info("event=worker_reconnecting peer={} in_ms={}", peerId, delay);
    try {
      timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("event=reconnect_skipped reason=stopping");
    }
  }

  private void report(ResultDescriptor result) {
    Link l = link;
    if (l == null || l.ended) {
      log.info("event=result_dropped attempt={}/{}#{} reason=\"stream is down\"",
          result.getAttempt().getJobId(), result.getAttempt().getTaskId(), result.getAttempt().getAttempt());
      return;
    }
    l.send(WorkerMessage.newBuilder().setResult(result).build());
  }

  private NodeDescriptor.Builder descriptor() {
    NodeDescriptor.Builder d =
        NodeDescriptor.newBuilder()
            .setName(config.name())
            .setHardware(HardwareFacts.measure())
            .setMaxConcurrentTasks(config.maxConcurrentTasks())
            .setMaxTaskBytes(config.maxTaskBytes())
            .addAllProtocolVersions(config.protocolVersions())
            .addAllModels(config.models())
            .setSoftware("shoal-worker/0.1.0")
            .setIssuedAtMs(System.currentTimeMillis());
    for (OperatorId id : config.operators().ids()) {
      d.addOperators(id.toString());
    }
    return d;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** One stream to one orchestrator. A new one is made for every reconnect. */
  private final class Link implements ClientResponseObserver<WorkerMessage, OrchestratorMessage> {
    final String address;
    final ManagedChannel channel;
    final CountDownLatch closed = new CountDownLatch(1);
    private ClientCallStreamObserver<WorkerMessage> out;
    volatile boolean welcomed;
    volatile boolean ended;
    volatile long lastHeard = System.nanoTime();
    private volatile String fatal;
    private ScheduledFuture<?> heartbeats;
    private ScheduledFuture<?> welcomeTimeout;

    Link(String address, ManagedChannel channel) {
      this.address = address;
      this.channel = channel;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
      this.out = requestStream;
    }

    void open() {
      WorkerLinkGrpc.newStub(channel).connect(this);
      send(WorkerMessage.newBuilder().setHello(Hellos.sign(descriptor(), key)).build());
      welcomeTimeout =
          timers.schedule(
              () -> {
                if (!welcomed) {
                  abort("no Welcome within " + WELCOME_TIMEOUT_MILLIS + " ms");
                }
              },
              WELCOME_TIMEOUT_MILLIS,
              TimeUnit.MILLISECONDS);
    }

    synchronized void send(WorkerMessage m) {
      if (ended) {
        return;
      }
      out.onNext(m);
    }

    synchronized void halfClose() {
      if (!ended) {
        out.onCompleted();
      }
    }

    void abort(String reason) {
      synchronized (this) {
        if (!ended) {
          out.cancel(reason, null);
        }
      }
      end(Status.CANCELLED.withDescription(reason));
    }

    void sendHeartbeat() {
      send(
          WorkerMessage.newBuilder()
              .setHeartbeat(
                  Heartbeat.newBuilder()
                      .setSentAtMs(System.currentTimeMillis())
                      .setLoad(HardwareFacts.load(executor.running(), executor.capacity()))
                      .setDraining(executor.isDraining()))
              .build());
    }

    @Override
    public void onNext(OrchestratorMessage m) {
      lastHeard = System.nanoTime();
      switch (m.getBodyCase()) {
        case WELCOME -> welcome(m.getWelcome());
        case DISPATCH -> dispatch(m.getDispatch());
        case CANCEL -> {
          String k = m.getCancel().getAttempt().getJobId() + "/" + m.getCancel().getAttempt().getTaskId() + "#"
              + m.getCancel().getAttempt().getAttempt();
          if (!executor.cancel(k, "cancelled: " + m.getCancel().getReason(), Worker.this::report)) {
            log.debug("event=cancel_ignored attempt={} reason=\"not running\"", k);
          }
        }
        case RECEIPT -> log.debug("event=receipt attempt={}/{}#{} disposition={}",
            m.getReceipt().getAttempt().getJobId(), m.getReceipt().getAttempt().getTaskId(),
            m.getReceipt().getAttempt().getAttempt(), m.getReceipt().getDisposition());
        case ERROR -> {
          log.warn("event=refused_by_orchestrator code={} subject={} message=\"{}\"",
              m.getError().getCode(), m.getError().getSubject(), m.getError().getMessage());
          if (m.getError().getCode() == ErrorCode.ERROR_CODE_VERSION_MISMATCH
              || m.getError().getCode() == ErrorCode.ERROR_CODE_UNAUTHENTICATED) {
            fatal = m.getError().getMessage();
          }
        }
        case HEARTBEAT, BODY_NOT_SET -> {}
      }
    }

    private void welcome(dev.shoal.protocol.v1.Welcome w) {
      welcomed = true;
      welcomeTimeout.cancel(false);
      synchronized (lifecycle) {
        backoffMillis = config.reconnectInitial().toMillis();
      }
      long interval = Math.max(10, w.getHeartbeatIntervalMs());
      long silence = interval * Math.max(1, w.getMissedHeartbeatsLimit());
      heartbeats =
          timers.scheduleAtFixedRate(
              () -> {
                if (System.nanoTime() - lastHeard > TimeUnit.MILLISECONDS.toNanos(silence)) {
                  abort("orchestrator silent for " + silence + " ms");
                } else {
                  sendHeartbeat();
                }
              },
              interval,
              interval,
              TimeUnit.MILLISECONDS);
      log.info("event=worker_connected peer={} orchestrator={} address={} protocol={}.{}.{} heartbeat_ms={}",
          peerId, w.getOrchestratorId(), address, w.getNegotiated().getMajor(), w.getNegotiated().getMinor(),
          w.getNegotiated().getPatch(), interval);
    }

    private void dispatch(TaskDescriptor t) {
      try {
        validator.checkTask(t);
      } catch (ProtocolViolation v) {
        if (t.hasAttempt()) {
          send(ack(t, RejectReason.REJECT_REASON_BAD_INPUT, v.getMessage()));
        }
        log.warn("event=task_malformed message=\"{}\"", v.getMessage());
        return;
      }
      String k = Executor.key(t);
      if (executor.isRunning(k)) {
        // A repeated dispatch of an attempt we hold: acknowledge again, run once.
        send(ack(t, null, ""));
        return;
      }
      Executor.Admission a = executor.admit(t);
      if (!a.accepted()) {
        log.info("event=task_rejected attempt={} reason={} detail=\"{}\"", k, a.reason(), a.detail());
        send(ack(t, a.reason(), a.detail()));
        return;
      }
      send(ack(t, null, ""));
      executor.start(t, Worker.this::report);
    }

    private WorkerMessage ack(TaskDescriptor t, RejectReason reason, String detail) {
      TaskAck.Builder b = TaskAck.newBuilder().setAttempt(t.getAttempt()).setAccepted(reason == null);
      if (reason != null) {
        b.setReason(reason).setDetail(detail.length() > 4000 ? detail.substring(0, 4000) : detail);
      }
      return WorkerMessage.newBuilder().setAck(b).build();
    }

    @Override
    public void onError(Throwable t) {
      end(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end(Status.OK);
    }

    private void end(Status status) {
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
      }
      closed.countDown();
      if (heartbeats != null) {
        heartbeats.cancel(false);
      }
      if (welcomeTimeout != null) {
        welcomeTimeout.cancel(false);
      }
      channel.shutdownNow();
      // The orchestrator counts our attempts as lost once the stream is gone; stop computing them.
      int dropped = executor.releaseAll("stream lost").size();
      String why = status.getDescription() == null ? status.getCode().toString() : status.getCode() + ": " + status.getDescription();
      if (fatal != null || status.getCode() == Status.Code.FAILED_PRECONDITION || status.getCode() == Status.Code.UNAUTHENTICATED) {
        failure = fatal != null ? fatal : why;
        log.error("event=worker_refused peer={} address={} reason=\"{}\"", peerId, address, failure);
        synchronized (lifecycle) {
          stopping = true;
        }
        terminate();
        return;
      }
      if (stopping) {
        return;
      }
      log.warn("event=stream_ended peer={} address={} status=\"{}\" dropped_attempts={}", peerId, address, why, dropped);
      reconnectLater();
    }
  }
}
