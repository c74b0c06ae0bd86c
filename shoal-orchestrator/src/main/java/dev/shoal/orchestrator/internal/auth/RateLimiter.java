package dev.shoal.orchestrator.internal.auth;

import dev.shoal.orchestrator.internal.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket per key (rate r per second, burst 2r), kept as one number per key: the
 * "theoretical arrival time" of the generic cell rate algorithm, which is the same bucket without
 * a refill step. A request is allowed when, after adding one request's worth of time
 * ({@code 1/r} s), the key is no more than two seconds ahead of now (two seconds at r per second
 * is the 2r burst). Lock-free: one compare-and-set per request. Thread-safe.
 */
public final class RateLimiter {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  /** Burst of twice the rate = two seconds' worth of requests. */
  private static final long BURST_NANOS = 2 * NANOS_PER_SECOND;

  /** Whether a request may go ahead, and if not, how many whole seconds to wait (at least 1). */
  public record Result(boolean allowed, long retryAfterSeconds) {
    static final Result ALLOWED = new Result(true, 0);
  }

  private final Clock clock;
  private final ConcurrentHashMap<String, AtomicLong> arrival = new ConcurrentHashMap<>();

  public RateLimiter(Clock clock) {
    this.clock = clock;
  }

  /** Takes one request from {@code keyId}'s bucket, which refills at {@code ratePerSecond}. */
  public Result acquire(String keyId, int ratePerSecond) {
    if (ratePerSecond < 1) {
      throw new IllegalArgumentException("rate must be at least 1 per second, got " + ratePerSecond);
    }
    long interval = NANOS_PER_SECOND / ratePerSecond;
    long now = clock.nanos();
    // A new bucket starts at now: nothing owed, the whole burst available.
    AtomicLong tat = arrival.computeIfAbsent(keyId, k -> new AtomicLong(now));
    while (true) {
      long current = tat.get();
      long start = current - now < 0 ? now : current; // differences, not values: nanos may wrap
      long next = start + interval;
      long excess = next - now - BURST_NANOS;
      if (excess > 0) {
        return new Result(false, Math.max(1, (excess + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND));
      }
      if (tat.compareAndSet(current, next)) {
        return Result.ALLOWED;
      }
    }
  }

  /** Drops a key's bucket (after it was revoked). */
  public void forget(String keyId) {
    arrival.remove(keyId);
  }
}
