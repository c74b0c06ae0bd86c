package dev.shoal.worker.internal;

import dev.shoal.protocol.v1.Welcome;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every time-dependent decision of the worker in one place: reading the clocks, reconnect
 * backoff with jitter, heartbeat cadence and when the orchestrator counts as silent. Immutable
 * and thread-safe.
 */
public final class Timing {

  /** Used when a Welcome states no heartbeat interval (the protocol's default). */
  static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);

  /** Used when a Welcome states no missed-heartbeats limit (the protocol's default). */
  static final int DEFAULT_MISSED_HEARTBEATS = 3;

  private static final long MIN_HEARTBEAT_MS = 10;
  private static final long MAX_HEARTBEAT_MS = 10 * 60_000;
  private static final int MAX_MISSED_HEARTBEATS = 100;

  /** How long to wait for a Welcome after sending Hello before giving up on the stream. */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** After Goodbye, how long to wait for the orchestrator to close the stream. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final Duration reconnectInitial;
  private final Duration reconnectMax;

  public Timing(Duration reconnectInitial, Duration reconnectMax) {
    this.reconnectInitial = reconnectInitial;
    this.reconnectMax = reconnectMax;
  }

  /** Wall-clock epoch milliseconds, for timestamps on the wire. */
  long nowMillis() {
    return System.currentTimeMillis();
  }

  /** Monotonic nanoseconds, for every duration the worker measures. */
  long nanoTime() {
    return System.nanoTime();
  }

  static long micros(long fromNanos, long toNanos) {
    return Math.max(0, (toNanos - fromNanos) / 1_000);
  }

  /**
   * Delay before the reconnect that follows {@code failures} consecutive failures (1 for the
   * first): {@code initial × 2^(failures-1)}, capped at the max, then jittered to a uniform
   * value in [half, all] of that so that a fleet cut off at once does not return at once.
   */
  Duration backoff(int failures) {
    int doublings = Math.max(0, Math.min(failures - 1, 30));
    long initial = reconnectInitial.toNanos();
    long max = reconnectMax.toNanos();
    long base = initial > (max >> doublings) ? max : Math.min(max, initial << doublings);
    long half = base / 2;
    return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(base - half + 1));
  }

  /**
   * How often to send heartbeats: the configured override, else the orchestrator's interval.
   * An override slower than the orchestrator's gets this worker declared gone; it is for tests.
   */
  static Duration sendInterval(Duration override, Welcome welcome) {
    return override != null ? override : expectedInterval(welcome);
  }

  /** How often the orchestrator promised to send heartbeats. */
  static Duration expectedInterval(Welcome welcome) {
    long ms = welcome.getHeartbeatIntervalMs();
    // Clamped: the orchestrator's word is not trusted to make this worker spin or go deaf.
    return ms > 0 ? Duration.ofMillis(Math.clamp(ms, MIN_HEARTBEAT_MS, MAX_HEARTBEAT_MS)) : DEFAULT_HEARTBEAT;
  }

  static int missedLimit(Welcome welcome) {
    int n = welcome.getMissedHeartbeatsLimit();
    return n > 0 ? Math.min(n, MAX_MISSED_HEARTBEATS) : DEFAULT_MISSED_HEARTBEATS;
  }

  /** Whether nothing has been heard for the Welcome's limit of its intervals. */
  boolean silentTooLong(long lastHeardNanos, Welcome welcome) {
    long allowed = expectedInterval(welcome).toNanos() * missedLimit(welcome);
    return nanoTime() - lastHeardNanos > allowed;
  }

  /** What is left of {@code timeoutMillis} counted from {@code sinceNanos}; zero once it has passed. */
  Duration remaining(long sinceNanos, long timeoutMillis) {
    return Duration.ofNanos(Math.max(0, timeoutMillis * 1_000_000L - (nanoTime() - sinceNanos)));
  }

  /** Whether {@code timeoutMillis} has passed since {@code sinceNanos}. */
  boolean expired(long sinceNanos, long timeoutMillis) {
    return nanoTime() - sinceNanos > timeoutMillis * 1_000_000L;
  }
}
