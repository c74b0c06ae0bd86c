package dev.shoal.worker.internal;

import dev.shoal.protocol.v1.OrchestratorMessage;
import dev.shoal.protocol.v1.ProtocolError;
import dev.shoal.protocol.v1.Welcome;
import dev.shoal.protocol.v1.WorkerLinkGrpc;
import dev.shoal.protocol.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code WorkerLink.Connect} stream to one orchestrator address, from Hello to close.
 *
 * <p>Thread-safe. The outbound {@code StreamObserver} is not, so every write, half-close and
 * cancel is handed to one serializing {@link OutboundWriter} shared by all sessions: a write runs
 * on the sending thread when no other write is in progress, and is queued for the writing thread
 * otherwise, so no thread ever waits for a lock held by a thread serializing a large result.
 */
final class Session implements ClientResponseObserver<WorkerMessage, OrchestratorMessage> {

  private static final Logger log = LoggerFactory.getLogger(Session.class);

  /** What the worker does with a session's inbound events. Called on transport threads. */
  interface Listener {
    void onMessage(Session session, OrchestratorMessage message);

    void onEnded(Session session, Status status);
  }

  final long id;
  final String address;
  private final ManagedChannel channel;
  private final Executor writer;
  private final Listener listener;
  private final Timing timing;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final CompletableFuture<Status> closed = new CompletableFuture<>();

  /** Set in beforeStart, before any other method can run; used only on the writer thread. */
  private volatile ClientCallStreamObserver<WorkerMessage> out;
  /** False once this side half-closed or cancelled; changed only on the writer thread. */
  private boolean writable = true;

  private volatile long lastHeardNanos;
  private volatile Welcome welcome;
  private volatile ProtocolError refusal;
  private volatile ScheduledFuture<?> timer;

  Session(long id, String address, ManagedChannel channel, Executor writer, Listener listener, Timing timing) {
    this.id = id;
    this.address = address;
    this.channel = channel;
    this.writer = writer;
    this.listener = listener;
    this.timing = timing;
    this.lastHeardNanos = timing.nanoTime();
  }

  /** Opens the stream and queues the Hello, which therefore goes first. */
  void open(WorkerMessage hello) {
    WorkerLinkGrpc.newStub(channel).connect(this);
    send(hello);
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
    out = requestStream;
  }

  /** Queues one message; dropped (and logged) if the stream has ended or was half-closed. */
  void send(WorkerMessage m) {
    execute(
        () -> {
          ClientCallStreamObserver<WorkerMessage> o = out;
          if (o == null || !writable || ended.get()) {
            log.debug("event=message_dropped address={} session={} kind={} reason=stream_closed", address, id, kind(m));
            return;
          }
          try {
            o.onNext(m);
          } catch (IllegalStateException e) {
            // The call was torn down under us (channel shut down); nothing more can be sent.
            writable = false;
            log.debug("event=message_dropped address={} session={} kind={} reason=\"{}\"", address, id, kind(m), e.getMessage());
          }
        });
  }

  /** Half-closes after every message queued so far. */
  void halfClose() {
    execute(
        () -> {
          ClientCallStreamObserver<WorkerMessage> o = out;
          if (o != null && writable && !ended.get()) {
            writable = false;
            o.onCompleted();
          }
        });
  }

  private void execute(Runnable write) {
    try {
      writer.execute(write);
    } catch (RejectedExecutionException e) {
      // The worker has stopped and its writer with it; the stream is being torn down anyway.
      log.debug("event=write_skipped address={} session={} reason=worker_stopped", address, id);
    }
  }

  /**
   * Ends the stream from this side at once, without anything more on the wire: what a crash
   * looks like to the orchestrator. Also used when the orchestrator has gone silent.
   */
  void kill(String why) {
    // Ended first, so the listener hears our reason rather than the channel's shutdown status.
    ended(Status.CANCELLED.withDescription(why));
    channel.shutdownNow();
  }

  boolean isOpen() {
    return !ended.get();
  }

  boolean isWelcomed() {
    return welcome != null && !ended.get();
  }

  Welcome welcome() {
    return welcome;
  }

  void welcomed(Welcome w) {
    welcome = w;
  }

  ProtocolError refusal() {
    return refusal;
  }

  void refused(ProtocolError e) {
    refusal = e;
  }

  long lastHeardNanos() {
    return lastHeardNanos;
  }

  /** Sets the session's one timer (handshake timeout, then heartbeats), cancelling the previous. */
  void timer(ScheduledFuture<?> f) {
    ScheduledFuture<?> previous = timer;
    timer = f;
    if (previous != null) {
      previous.cancel(false);
    }
    if (ended.get()) {
      f.cancel(false);
    }
  }

  /** Completes with the stream's final status once it has ended, from either side. */
  CompletableFuture<Status> closed() {
    return closed;
  }

  @Override
  public void onNext(OrchestratorMessage m) {
    lastHeardNanos = timing.nanoTime();
    if (ended.get()) {
      return;
    }
    listener.onMessage(this, m);
  }

  @Override
  public void onError(Throwable t) {
    ended(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    ended(Status.OK);
  }

  private void ended(Status status) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
    channel.shutdown();
    closed.complete(status);
    listener.onEnded(this, status);
  }

  static String kind(WorkerMessage m) {
    return m.getBodyCase().name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String toString() {
    return "session " + id + " to " + address;
  }
}
