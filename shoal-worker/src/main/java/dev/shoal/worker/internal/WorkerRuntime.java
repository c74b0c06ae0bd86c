package dev.shoal.worker.internal;

import dev.shoal.operators.OperatorId;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.Hellos;
import dev.shoal.protocol.KeyFiles;
import dev.shoal.protocol.MessageValidator;
import dev.shoal.protocol.PeerIds;
import dev.shoal.protocol.ProtocolLimits;
import dev.shoal.protocol.ProtocolVersions;
import dev.shoal.protocol.v1.ErrorCode;
import dev.shoal.protocol.v1.Goodbye;
import dev.shoal.protocol.v1.Heartbeat;
import dev.shoal.protocol.v1.NodeDescriptor;
import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.ProtocolVersion;
import dev.shoal.protocol.v1.ResultReceipt;
import dev.shoal.protocol.v1.Welcome;
import dev.shoal.protocol.v1.WorkerMessage;
import dev.shoal.worker.DataStats;
import dev.shoal.worker.WorkerConfig;
import dev.shoal.worker.internal.data.DataPlane;
import dev.shoal.worker.internal.exec.TaskExecutor;
import dev.shoal.worker.internal.exec.TaskExecutors;
import dev.shoal.worker.internal.net.EventLoops;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's engine behind {@link dev.shoal.worker.Worker}: keeps one session to an
 * orchestrator alive (reconnecting with backoff and jitter, rotating through the addresses),
 * heartbeats, routes orchestrator messages to the {@link TaskRunner}, and runs drain and
 * shutdown.
 *
 * <p>Thread-safe. Lifecycle state is guarded by one lock that is never held while calling into
 * gRPC. Threads: one timer thread (heartbeats, liveness, reconnects, task timeouts) and the
 * task executor; outbound messages go through an {@link OutboundWriter}, which writes on the
 * sending thread unless another thread is writing. Inbound messages are handled on the
 * transport thread and do only cheap work there.
 */
public final class WorkerRuntime implements Session.Listener {

  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

  /** Reported in every node descriptor, for diagnostics. */
  public static final String SOFTWARE = "shoal-worker/0.1.0";

  private static final int MAX_MESSAGE_BYTES = ProtocolLimits.DEFAULT.maxMessageBytes();

  private enum State { NEW, RUNNING, DRAINING, TERMINATED }

  private final WorkerConfig config;
  private final Function<String, ManagedChannel> channels;
  private final KeyPair key;
  private final String peerId;
  private final Timing timing;
  private final ScheduledThreadPoolExecutor scheduler;
  private final OutboundWriter writer;
  private final ThreadPoolExecutor executor;
  private final TaskRunner runner;
  /** Every operator advertised: the tensor operators and those of the executors. */
  private final Set<OperatorId> operators;
  private final AtomicLong sessionIds = new AtomicLong();
  private final AtomicBoolean released = new AtomicBoolean();
  private final CountDownLatch terminated = new CountDownLatch(1);

  private final Object lock = new Object();
  /** Guarded by {@link #lock}. */
  private State state = State.NEW;
  /** Written under {@link #lock}; read without it. */
  private volatile Session current;
  /** Guarded by {@link #lock}. */
  private ScheduledFuture<?> reconnect;
  /** Guarded by {@link #lock}. */
  private int nextAddress;
  /** Failed connections since the last Welcome. Guarded by {@link #lock}. */
  private int failures;
  private volatile String failure;
  /** Completes at the first Welcome; fails if the worker stops before one. */
  private final CompletableFuture<Void> firstWelcome = new CompletableFuture<>();

  public WorkerRuntime(WorkerConfig config, Function<String, ManagedChannel> channels) {
    this.config = config.validate();
    this.channels = channels;
    this.key = identity(config);
    this.peerId = PeerIds.fromPublicKey(Ed25519.rawPublicKey(key.getPublic()));
    this.timing = new Timing(config.reconnectInitial(), config.reconnectMax());
    this.scheduler = new ScheduledThreadPoolExecutor(1, threads("shoal-worker-timer"));
    this.scheduler.setRemoveOnCancelPolicy(true);
    this.writer = new OutboundWriter();
    // No queue: admission already bounds concurrency at max_concurrent_tasks. The pool only grows
    // past that while a timed-out or cancelled computation that ignores interrupts winds down, so
    // such a straggler never delays the next attempt.
    this.executor =
        new ThreadPoolExecutor(
            config.maxConcurrentTasks(),
            Integer.MAX_VALUE,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            threads("shoal-worker-task"));
    this.executor.allowCoreThreadTimeOut(true);
    List<TaskExecutor> executors = TaskExecutors.configured(config, attemptsFolder(config, peerId));
    TreeSet<OperatorId> advertised = new TreeSet<>(config.operators().ids());
    executors.forEach(e -> advertised.addAll(e.operators()));
    this.operators = java.util.Collections.unmodifiableSet(advertised);
    this.runner =
        new TaskRunner(
            config,
            peerId,
            new MessageValidator(ProtocolLimits.DEFAULT),
            scheduler,
            executor,
            timing,
            config.byzantine() ? new ByzantineSealer(key) : new ResultSealer(key),
            DataPlane.create(config.dataCacheBytes(), config.dataCacheAge(), timing::nowMillis),
            executors);
  }

  /** Where process.run attempts get their working directories: in the data dir, or a temp folder. */
  private static Path attemptsFolder(WorkerConfig config, String peerId) {
    return config.dataDir() != null
        ? config.dataDir().resolve("attempts")
        : Path.of(System.getProperty("java.io.tmpdir"), "shoal-worker-" + peerId);
  }

  /**
   * The production transport: plaintext HTTP/2 over Netty, events handled on the event loop, the
   * one the LLM executor's upstream connections share ({@link EventLoops}).
   */
  public static ManagedChannel nettyChannel(String address) {
    EventLoops loops = EventLoops.shared();
    return NettyChannelBuilder.forTarget(address)
        .eventLoopGroup(loops.group())
        .channelType(loops.socketChannel())
        .usePlaintext()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        // Inbound handling is cheap by design (see TaskRunner), so skip the per-message hop.
        .directExecutor()
        // Catches half-open TCP faster than heartbeats alone; the orchestrator permits 5 s.
        .keepAliveTime(20, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .build();
  }

  private static KeyPair identity(WorkerConfig config) {
    if (config.keyFile() == null) {
      return Ed25519.generate();
    }
    try {
      return KeyFiles.loadOrCreate(config.keyFile());
    } catch (IOException e) {
      throw new UncheckedIOException("key-file: " + e.getMessage(), e);
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------

  public void start() {
    synchronized (lock) {
      if (state != State.NEW) {
        throw new IllegalStateException("worker already started");
      }
      state = State.RUNNING;
    }
    log.info(
        "event=worker_starting peer={} name=\"{}\" orchestrators={} max_tasks={} max_task_bytes={} operators={}",
        peerId, TaskRunner.printable(config.name()), config.orchestrators(), config.maxConcurrentTasks(),
        config.maxTaskBytes(), operators);
    connect();
  }

  /**
   * Stops taking tasks, lets running attempts finish until the drain timeout, hands back the rest
   * as RELEASED, says Goodbye and closes. Blocks until done. If interrupted, it hands back what
   * is still running, says Goodbye without waiting for the close, and then throws.
   */
  public void drain() throws InterruptedException {
    Session s = null;
    boolean mine = false;
    synchronized (lock) {
      switch (state) {
        case NEW -> state = State.TERMINATED;
        case RUNNING -> {
          state = State.DRAINING;
          s = current;
          cancelReconnect();
          mine = true;
        }
        case DRAINING, TERMINATED -> {}
      }
    }
    if (!mine) {
      // Never started, already over, or another thread is draining: wait for the end.
      releaseResources();
      terminated.await(config.drainTimeout().plus(Timing.CLOSE_GRACE).plusSeconds(1).toNanos(), TimeUnit.NANOSECONDS);
      return;
    }
    if (!drain(s)) {
      throw new InterruptedException("interrupted while draining; running attempts were handed back");
    }
  }

  /** Runs the drain to the end; false if it was cut short by an interrupt. */
  private boolean drain(Session s) {
    boolean interrupted = false;
    runner.startDraining();
    int running = runner.running();
    log.info("event=draining peer={} running={} timeout_ms={}", peerId, running, config.drainTimeout().toMillis());
    if (s != null && s.isWelcomed()) {
      sendHeartbeat(s);
    }
    boolean idle;
    try {
      idle = runner.awaitIdle(config.drainTimeout());
    } catch (InterruptedException e) {
      interrupted = true;
      idle = false;
    }
    int released = 0;
    if (!idle) {
      released = runner.running();
      runner.releaseAll("worker is draining: handed back unfinished at the drain deadline");
    }
    if (s != null && s.isWelcomed()) {
      String reason = released == 0 ? "drained" : "drained; " + released + " attempt(s) released";
      s.send(WorkerMessage.newBuilder().setGoodbye(Goodbye.newBuilder().setReason(reason)).build());
      s.halfClose();
      // Even an interrupted drain waits (bounded) for the close: cancelling the call would
      // discard the Goodbye and hand-backs the orchestrator has not read yet.
      interrupted = !awaitClose(s) || interrupted;
    } else if (s != null) {
      s.kill("worker drained before the orchestrator welcomed it");
    }
    synchronized (lock) {
      state = State.TERMINATED;
      current = null;
    }
    log.info("event=drained peer={} released={} interrupted={}", peerId, released, interrupted);
    releaseResources();
    return !interrupted;
  }

  /** Waits briefly for the orchestrator to close the stream after Goodbye; false if interrupted. */
  private boolean awaitClose(Session s) {
    try {
      Status status = s.closed().get(Timing.CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      log.debug("event=stream_closed peer={} address={} status={}", peerId, s.address, status.getCode());
      return true;
    } catch (TimeoutException e) {
      log.warn("event=close_timeout peer={} address={} waited_ms={}", peerId, s.address, Timing.CLOSE_GRACE.toMillis());
      s.kill("orchestrator did not close the stream after Goodbye");
      return true;
    } catch (InterruptedException e) {
      s.kill("interrupted while waiting for the orchestrator to close");
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("the closed future never fails", e);
    }
  }

  /** Ends at once: the stream is cancelled without Goodbye and running attempts are abandoned. */
  public void shutdownNow() {
    Session s;
    synchronized (lock) {
      if (state == State.TERMINATED && current == null && runner.running() == 0) {
        releaseResources();
        return;
      }
      state = State.TERMINATED;
      s = current;
      current = null;
      cancelReconnect();
    }
    if (s != null) {
      s.kill("worker shut down");
    }
    runner.abortAll();
    log.info("event=worker_stopped peer={} graceful=false", peerId);
    releaseResources();
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  public String peerId() {
    return peerId;
  }

  public boolean isConnected() {
    Session s = current;
    return s != null && s.isWelcomed();
  }

  public int running() {
    return runner.running();
  }

  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  public DataStats dataStats() {
    return runner.dataStats();
  }

  public CompletableFuture<Void> firstWelcome() {
    return firstWelcome.copy();
  }

  private void cancelReconnect() {
    if (reconnect != null) {
      reconnect.cancel(false);
      reconnect = null;
    }
  }

  /** Once: stops the threads and marks the worker terminated. */
  private void releaseResources() {
    synchronized (lock) {
      if (state != State.TERMINATED) {
        return;
      }
    }
    if (!released.compareAndSet(false, true)) {
      return;
    }
    scheduler.shutdownNow();
    executor.shutdownNow();
    runner.close();
    // Queued writes (a Goodbye) still go out; new ones are refused.
    writer.shutdown();
    firstWelcome.completeExceptionally(
        new IllegalStateException(failure != null ? failure : "the worker stopped before an orchestrator welcomed it"));
    terminated.countDown();
  }

  // ---- connecting ---------------------------------------------------------------------------

  private void connect() {
    Session s;
    synchronized (lock) {
      reconnect = null;
      if (state != State.RUNNING || current != null) {
        return;
      }
      String address = config.orchestrators().get(nextAddress);
      ManagedChannel channel;
      try {
        channel = channels.apply(address);
      } catch (RuntimeException e) {
        log.warn("event=connect_failed peer={} address={} error=\"{}\"", peerId, address, e.toString());
        scheduleReconnect(address);
        return;
      }
      s = new Session(sessionIds.incrementAndGet(), address, channel, writer, this, timing);
      current = s;
    }
    log.debug("event=connecting peer={} address={} session={}", peerId, s.address, s.id);
    try {
      s.timer(scheduler.schedule(() -> handshakeTimedOut(s), Timing.HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      s.open(hello());
    } catch (RuntimeException e) {
      log.warn("event=connect_failed peer={} address={} error=\"{}\"", peerId, s.address, e.toString());
      s.kill("could not open the stream: " + e);
    }
  }

  /** Guarded by {@link #lock}: the next attempt goes to the next address after a backoff. */
  private void scheduleReconnect(String from) {
    failures++;
    nextAddress = (nextAddress + 1) % config.orchestrators().size();
    Duration delay = timing.backoff(failures);
    log.info(
        "event=reconnect_scheduled peer={} from={} to={} in_ms={} failures={}",
        peerId, from, config.orchestrators().get(nextAddress), delay.toMillis(), failures);
    reconnect = scheduler.schedule(this::guardedConnect, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void guardedConnect() {
    try {
      connect();
    } catch (RuntimeException e) {
      log.error("event=connect_crashed peer={}", peerId, e);
      synchronized (lock) {
        if (state == State.RUNNING && current == null) {
          scheduleReconnect("?");
        }
      }
    }
  }

  private WorkerMessage hello() {
    NodeDescriptor.Builder node =
        NodeDescriptor.newBuilder()
            .setName(config.name())
            .setHardware(HardwareFacts.measure(config.accelerators()))
            .addAllModels(config.models())
            .setMaxConcurrentTasks(config.maxConcurrentTasks())
            .setMaxTaskBytes(config.maxTaskBytes())
            .addAllProtocolVersions(config.protocolVersions())
            .setSoftware(SOFTWARE)
            .setIssuedAtMs(timing.nowMillis());
    for (OperatorId id : operators) {
      node.addOperators(id.toString());
    }
    if (config.owner() != null) {
      node.setOwner(config.owner());
    }
    node.addAllServices(config.services());
    return WorkerMessage.newBuilder().setHello(Hellos.sign(node, key)).build();
  }

  private void handshakeTimedOut(Session s) {
    if (s.isOpen() && s.welcome() == null) {
      log.warn(
          "event=handshake_timeout peer={} address={} waited_ms={}",
          peerId, s.address, Timing.HANDSHAKE_TIMEOUT.toMillis());
      s.kill("no Welcome within " + Timing.HANDSHAKE_TIMEOUT.toMillis() + " ms");
    }
  }

  // ---- inbound ------------------------------------------------------------------------------

  @Override
  public void onMessage(Session s, OrchestratorMessage m) {
    if (current != s) {
      log.debug("event=message_ignored peer={} session={} reason=stale_session", peerId, s.id);
      return;
    }
    switch (m.getBodyCase()) {
      case WELCOME -> welcome(s, m.getWelcome());
      case DISPATCH -> {
        if (s.welcome() == null) {
          log.warn("event=message_ignored peer={} address={} kind=dispatch reason=before_welcome", peerId, s.address);
          return;
        }
        runner.dispatch(s, m.getDispatch());
      }
      case CANCEL -> runner.cancel(s, m.getCancel());
      case HEARTBEAT -> log.trace("event=heartbeat_received peer={} address={}", peerId, s.address);
      case RECEIPT -> {
        ResultReceipt r = m.getReceipt();
        log.debug(
            "event=result_receipt peer={} job={} task={} attempt={} disposition={} detail=\"{}\"",
            peerId, TaskRunner.printable(r.getAttempt().getJobId()), TaskRunner.printable(r.getAttempt().getTaskId()),
            r.getAttempt().getAttempt(), r.getDisposition(), TaskRunner.printable(r.getDetail()));
      }
      case ERROR -> protocolError(s, m.getError());
      case BODY_NOT_SET -> log.warn("event=message_ignored peer={} address={} reason=no_body", peerId, s.address);
    }
  }

  private void welcome(Session s, Welcome w) {
    if (s.welcome() != null) {
      log.warn("event=message_ignored peer={} address={} kind=welcome reason=duplicate", peerId, s.address);
      return;
    }
    ProtocolVersion negotiated = w.getNegotiated();
    if (config.protocolVersions().stream().noneMatch(v -> v.getMajor() == negotiated.getMajor())) {
      // No silent downgrade on our side either: never speak a major we did not offer.
      String message =
          "orchestrator chose protocol " + ProtocolVersions.format(negotiated) + ", but this worker supports "
              + ProtocolVersions.format(config.protocolVersions());
      s.refused(
          ProtocolError.newBuilder().setCode(ErrorCode.ERROR_CODE_VERSION_MISMATCH).setMessage(message).setSubject("welcome").build());
      s.kill(message);
      return;
    }
    s.welcomed(w);
    synchronized (lock) {
      failures = 0;
    }
    firstWelcome.complete(null);
    if (!w.getPeerId().isEmpty() && !w.getPeerId().equals(peerId)) {
      log.warn("event=peer_id_mismatch peer={} orchestrator_says={}", peerId, TaskRunner.printable(w.getPeerId()));
    }
    Duration every = Timing.sendInterval(config.heartbeatInterval(), w);
    log.info(
        "event=connected peer={} address={} orchestrator={} protocol={} heartbeat_ms={} missed_limit={}",
        peerId, s.address, TaskRunner.printable(w.getOrchestratorId()), ProtocolVersions.format(negotiated),
        every.toMillis(), Timing.missedLimit(w));
    sendHeartbeat(s);
    try {
      s.timer(scheduler.scheduleAtFixedRate(() -> tick(s), every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException e) {
      // The worker was shut down while this Welcome was in flight.
      s.kill("worker stopped");
    }
  }

  private void protocolError(Session s, ProtocolError e) {
    if (s.welcome() == null) {
      s.refused(e);
      log.error(
          "event=hello_refused peer={} address={} code={} message=\"{}\" subject=\"{}\"",
          peerId, s.address, e.getCode(), TaskRunner.printable(e.getMessage()), TaskRunner.printable(e.getSubject()));
    } else {
      log.warn(
          "event=protocol_error peer={} address={} code={} message=\"{}\" subject=\"{}\"",
          peerId, s.address, e.getCode(), TaskRunner.printable(e.getMessage()), TaskRunner.printable(e.getSubject()));
    }
  }

  private void tick(Session s) {
    try {
      if (!s.isOpen()) {
        return;
      }
      if (timing.silentTooLong(s.lastHeardNanos(), s.welcome())) {
        long silentMs = (timing.nanoTime() - s.lastHeardNanos()) / 1_000_000;
        log.warn("event=orchestrator_silent peer={} address={} silent_ms={}", peerId, s.address, silentMs);
        s.kill("orchestrator silent for " + silentMs + " ms");
        return;
      }
      sendHeartbeat(s);
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; log and keep heartbeating.
      log.error("event=heartbeat_failed peer={} address={}", peerId, s.address, e);
    }
  }

  private void sendHeartbeat(Session s) {
    s.send(
        WorkerMessage.newBuilder()
            .setHeartbeat(
                Heartbeat.newBuilder()
                    .setSentAtMs(timing.nowMillis())
                    .setLoad(HardwareFacts.load(runner.running(), config.maxConcurrentTasks()))
                    .setDraining(runner.isDraining()))
            .build());
  }

  @Override
  public void onEnded(Session s, Status status) {
    runner.sessionLost(s);
    ProtocolError refusal = s.refusal();
    boolean fatal =
        (refusal != null
                && (refusal.getCode() == ErrorCode.ERROR_CODE_VERSION_MISMATCH
                    || refusal.getCode() == ErrorCode.ERROR_CODE_UNAUTHENTICATED))
            || status.getCode() == Status.Code.UNAUTHENTICATED;
    String closedWith = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    boolean terminate = false;
    synchronized (lock) {
      if (current == s) {
        current = null;
      }
      if (state == State.TERMINATED) {
        return;
      }
      if (fatal) {
        // Retrying cannot help: the same key and versions would be refused again.
        failure =
            "orchestrator " + s.address + " refused this worker: "
                + (refusal != null ? refusal.getCode() + ": " + refusal.getMessage() : "unauthenticated")
                + " (stream closed " + closedWith + ")";
        state = State.TERMINATED;
        cancelReconnect();
        terminate = true;
      } else if (state == State.RUNNING) {
        // Loud for a lost session or a first failure; quieter while an orchestrator stays down.
        boolean loud = s.welcome() != null || failures == 0;
        (loud ? log.atWarn() : log.atInfo()).log(
            "event=disconnected peer={} address={} session={} was_welcomed={} status=\"{}\"",
            peerId, s.address, s.id, s.welcome() != null, TaskRunner.printable(closedWith));
        scheduleReconnect(s.address);
      } else {
        log.info("event=disconnected peer={} address={} session={} status=\"{}\" draining=true", peerId, s.address, s.id,
            TaskRunner.printable(closedWith));
      }
    }
    if (terminate) {
      log.error("event=worker_refused peer={} reconnect=false failure=\"{}\"", peerId, TaskRunner.printable(failure));
      runner.abortAll();
      releaseResources();
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
