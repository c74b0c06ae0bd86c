package dev.shoal.worker.internal.data;

import dev.shoal.protocol.v1.DataRef;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Verified bytes kept in memory, so the attempts of a job that share an input (the tiles of one
 * matrix, a retry) fetch it once. Keyed by {@link Slice}: content digest, range and the digest
 * the bytes were checked against. Bounded by total bytes, least recently used first out, and by
 * age since stored (content never changes, but an idle worker should give its memory back).
 *
 * <p>Concurrent requests for one slice share one download: the first caller loads, the others
 * wait for it, each no longer than its own timeout. A failure that says something about the data
 * (a mismatch, an HTTP error) is shared with them; one where the loader only gave up (its own
 * deadline, its task cancelled) is not, and the next waiter loads in its place. Only what a
 * loader returned — verified bytes — ever enters the cache.
 *
 * <p>Thread-safe. The arrays handed out are shared: callers must not write to them.
 */
public final class DataCache {

  public static final long DEFAULT_MAX_BYTES = 256L << 20;
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

  /** Produces a slice's verified bytes within {@code timeout}, e.g. by {@link DataFetcher#fetch}. */
  @FunctionalInterface
  public interface Loader {
    byte[] load(Duration timeout) throws DataException, InterruptedException;
  }

  private record Entry(byte[] data, long storedAtMillis) {}

  private final long maxBytes;
  private final long maxAgeMillis;
  private final LongSupplier clockMillis;
  /** In access order: the eldest is the least recently used. Guarded by itself. */
  private final LinkedHashMap<Slice, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  /** Guarded by {@link #entries}. */
  private long bytes;
  private final Map<Slice, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder joins = new LongAdder();
  private final LongAdder loads = new LongAdder();

  /**
   * @param maxBytes most bytes kept; 0 keeps nothing (concurrent requests still share downloads)
   * @param maxAge how long an entry is kept after it was stored
   * @param clockMillis milliseconds, for ages (tests pass a fake)
   */
  public DataCache(long maxBytes, Duration maxAge, LongSupplier clockMillis) {
    if (maxBytes < 0 || !maxAge.isPositive()) {
      throw new IllegalArgumentException("need maxBytes >= 0 and a positive maxAge, got " + maxBytes + " and " + maxAge);
    }
    this.maxBytes = maxBytes;
    this.maxAgeMillis = maxAge.toMillis();
    this.clockMillis = clockMillis;
  }

  /**
   * The verified bytes of {@code ref}: from memory, from a download already under way, or from
   * {@code loader}. Waits at most {@code timeout} in all.
   *
   * @throws DataUnavailableException also when {@code timeout} passed while waiting on another
   *     caller's download ({@code gaveUp})
   */
  public byte[] get(DataRef ref, Duration timeout, Loader loader) throws DataException, InterruptedException {
    Slice slice = Slice.of(ref);
    long deadline = System.nanoTime() + Math.max(0, Math.min(timeout.toNanos(), Long.MAX_VALUE / 2));
    while (true) {
      byte[] cached = lookup(slice);
      if (cached != null) {
        hits.increment();
        return cached;
      }
      CompletableFuture<byte[]> mine = new CompletableFuture<>();
      CompletableFuture<byte[]> theirs = inFlight.putIfAbsent(slice, mine);
      if (theirs == null) {
        return load(slice, mine, deadline, loader);
      }
      byte[] shared = await(slice, theirs, deadline);
      if (shared != null) {
        joins.increment();
        return shared;
      }
    }
  }

  /** Requests answered from memory. */
  public long hits() {
    return hits.sum();
  }

  /** Requests answered by a download another caller started. */
  public long joins() {
    return joins.sum();
  }

  /** Successful loads. */
  public long loads() {
    return loads.sum();
  }

  /** Bytes held now. */
  public long bytes() {
    synchronized (entries) {
      return bytes;
    }
  }

  /** Entries held now. */
  public int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  private byte[] load(Slice slice, CompletableFuture<byte[]> mine, long deadline, Loader loader)
      throws DataException, InterruptedException {
    try {
      // A load that finished between our lookup and our claim has stored its bytes already.
      byte[] cached = lookup(slice);
      if (cached != null) {
        hits.increment();
        mine.complete(cached);
        return cached;
      }
      byte[] data = loader.load(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      loads.increment();
      store(slice, data);
      mine.complete(data);
      return data;
    } catch (DataException | RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } catch (InterruptedException e) {
      mine.completeExceptionally(new DataUnavailableException("the caller loading " + slice.describe() + " was stopped", true));
      throw e;
    } finally {
      // After store(): a caller that misses the entry finds the flight, and the reverse.
      inFlight.remove(slice, mine);
    }
  }

  /** Another caller's download: its bytes, or null if it gave up and this caller should load. */
  private static byte[] await(Slice slice, CompletableFuture<byte[]> theirs, long deadline)
      throws DataException, InterruptedException {
    long left = deadline - System.nanoTime();
    try {
      if (left <= 0) {
        throw new TimeoutException();
      }
      return theirs.get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new DataUnavailableException("timed out waiting for another download of " + slice.describe(), true);
    } catch (ExecutionException e) {
      return switch (e.getCause()) {
        case DataUnavailableException u when u.gaveUp() -> null;
        case DataException d -> throw d;
        case RuntimeException r -> throw r;
        case Error err -> throw err;
        default -> throw new IllegalStateException("loading " + slice.describe() + " failed", e.getCause());
      };
    }
  }

  private byte[] lookup(Slice slice) {
    synchronized (entries) {
      Entry e = entries.get(slice);
      if (e == null) {
        return null;
      }
      if (isOld(e, clockMillis.getAsLong())) {
        entries.remove(slice);
        bytes -= e.data().length;
        return null;
      }
      return e.data();
    }
  }

  private void store(Slice slice, byte[] data) {
    if (data.length > maxBytes) {
      return;
    }
    synchronized (entries) {
      long now = clockMillis.getAsLong();
      Entry old = entries.put(slice, new Entry(data, now));
      bytes += data.length - (old == null ? 0 : old.data().length);
      Iterator<Entry> it = entries.values().iterator();
      while (it.hasNext()) {
        Entry e = it.next();
        // Eldest first: past the byte bound every entry goes; within it only old ones do.
        if (bytes > maxBytes || isOld(e, now)) {
          it.remove();
          bytes -= e.data().length;
        }
      }
    }
  }

  private boolean isOld(Entry e, long now) {
    return now - e.storedAtMillis() >= maxAgeMillis;
  }
}
