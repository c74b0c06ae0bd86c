package dev.shoal.worker;

import dev.shoal.worker.internal.WorkerRuntime;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A worker process's connection to the mesh: dials an orchestrator, advertises this machine's
 * operators and hardware in a signed Hello, and runs the attempts it is sent. Shaped like an
 * {@code ExecutorService}: {@link #start()}, then {@link #drain()} (graceful) or {@link
 * #shutdownNow()} (abrupt), and {@link #awaitTermination(Duration)}.
 *
 * <p>It only ever dials out. When the stream breaks it reconnects with exponential backoff and
 * jitter, trying the configured addresses in turn, until it is drained or shut down, or until an
 * orchestrator refuses it for good (version mismatch, bad identity): then it terminates and
 * {@link #failure()} says why.
 *
 * <p>Thread-safe.
 */
public final class Worker implements AutoCloseable {

  private final WorkerRuntime runtime;

  private Worker(WorkerRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * A worker that connects over plaintext gRPC (Netty).
   *
   * @throws IllegalArgumentException if the config is invalid, naming the bad key
   * @throws java.io.UncheckedIOException if the key file cannot be read or created
   */
  public static Worker create(WorkerConfig config) {
    return create(config, WorkerRuntime::nettyChannel);
  }

  /**
   * A worker that opens its channels with {@code channels}, called with one configured address
   * ({@code host:port}) per connection attempt; the worker shuts each channel down when its
   * stream ends. Tests pass an in-process channel factory here.
   */
  public static Worker create(WorkerConfig config, Function<String, ManagedChannel> channels) {
    return new Worker(new WorkerRuntime(Objects.requireNonNull(config, "config"), Objects.requireNonNull(channels, "channels")));
  }

  /**
   * Starts connecting; returns at once.
   *
   * @throws IllegalStateException if already started
   */
  public Worker start() {
    runtime.start();
    return this;
  }

  /**
   * Leaves gracefully and blocks until done: rejects new tasks ({@code DRAINING}, and heartbeats
   * say so), waits up to the config's drain timeout for running attempts to finish and report,
   * hands back the rest as {@code RELEASED}, sends {@code Goodbye}, half-closes the stream and
   * waits briefly for the orchestrator to close it. Safe to call from a shutdown hook, more than
   * once, or concurrently (later callers wait for the first).
   *
   * @throws InterruptedException if interrupted while waiting; the drain is then cut short:
   *     running attempts are handed back at once and Goodbye is still sent
   */
  public void drain() throws InterruptedException {
    runtime.drain();
  }

  /**
   * Stops at once, as a crash would: the stream is cancelled without {@code Goodbye}, running
   * attempts are interrupted and report nothing. Returns without waiting.
   */
  public void shutdownNow() {
    runtime.shutdownNow();
  }

  /** Waits until the worker has terminated; true if it did within {@code timeout}. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return runtime.awaitTermination(timeout);
  }

  public boolean isTerminated() {
    return runtime.isTerminated();
  }

  /** This worker's peer id, derived from its Ed25519 public key. */
  public String peerId() {
    return runtime.peerId();
  }

  /** Whether a stream is open and the orchestrator has welcomed this worker on it. */
  public boolean isConnected() {
    return runtime.isConnected();
  }

  /**
   * Completes when an orchestrator first welcomes this worker, so callers wait for it instead of
   * polling {@link #isConnected()}; fails if the worker stops first (with {@link #failure()}'s
   * reason when an orchestrator refused it).
   */
  public CompletableFuture<Void> connected() {
    return runtime.firstWelcome();
  }

  /** Attempts accepted and not yet reported. */
  public int running() {
    return runtime.running();
  }

  /** What this worker has fetched, served from its cache and uploaded through the data service. */
  public DataStats dataStats() {
    return runtime.dataStats();
  }

  /**
   * Why the worker stopped on its own, if it did: an orchestrator refused it in a way retrying
   * cannot fix (e.g. {@code VERSION_MISMATCH: protocol version mismatch: ...}). Empty while it
   * runs and after a drain or shutdown.
   */
  public Optional<String> failure() {
    return runtime.failure();
  }

  /**
   * Drains, like {@link #drain()}. If interrupted, the drain is cut short and the thread's
   * interrupt status is set again, as {@code ExecutorService.close()} does.
   */
  @Override
  public void close() {
    try {
      drain();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
