package dev.shoal.worker.internal.data;

import dev.shoal.protocol.v1.DataRef;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Fetches the bytes a DataRef names over HTTP and hands them out only once they match the ref's
 * digest: the range's digest for a part ({@code Range} request, {@code 206} required), the whole
 * content's otherwise ({@code 200}, or {@code 206} from a data service that serves a signed
 * window as a part). Reads no more than the bytes named, and refuses expired refs and anything but
 * http(s) before sending a request.
 *
 * <p>Thread-safe; {@link #fetch} blocks, so it runs on a task thread, never on a transport thread.
 */
public final class DataFetcher {

  /** The largest array the JVM hands out. */
  private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  private static final int READ_PIECE = 1 << 20;
  private static final int LANDED_PIECE = 1 << 20;
  /** Threads that hash fetched pieces while the fetching thread reads the next ones. */
  private static final java.util.concurrent.Executor HASHERS =
      Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("data-fetch-hash-", 0).factory());
  private static final long CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final java.util.regex.Pattern HEADER_NAME = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  /** Closes connections whose fetch ran past its deadline; one daemon thread for the JVM. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("data-fetch-deadline").factory());

  private final LongSupplier clockMillis;
  private final LongAdder requests = new LongAdder();
  private final LongAdder bytesFetched = new LongAdder();

  /**
   * Redirects are never followed: a signed URL has nowhere else to go, and a redirect would carry
   * the ref's headers to another host.
   *
   * @param clockMillis epoch milliseconds, to judge {@code expires_at_ms}
   */
  public DataFetcher(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  /**
   * The verified bytes of {@code ref}. The array is shared through the cache: never write to it.
   *
   * @param timeout the most this may take, request and body together
   * @throws DigestMismatchException the bytes arrived and do not match
   * @throws DataUnavailableException the bytes could not be had (see its {@code gaveUp})
   * @throws InterruptedException the caller was interrupted; the request was aborted
   */
  public byte[] fetch(DataRef ref, Duration timeout) throws DataException, InterruptedException {
    Exchange x = exchange(ref, timeout);
    if (x.slice().length() == 0) {
      // Nothing to fetch, and no Range header could ask for nothing; the digest still decides.
      return verified(new byte[0], Digests.sha256(new byte[0]), x.slice(), x.where());
    }
    byte[] data = new byte[(int) x.slice().length()];
    MessageDigest sha = Digests.newSha256();
    // Hashing runs beside the reads, a piece behind them, in order: on two cores the transfer
    // and the digest overlap instead of adding up.
    CompletableFuture<?>[] hashed = {CompletableFuture.completedFuture(null)};
    receive(x, data, (from, length) -> hashed[0] = hashed[0].thenRunAsync(() -> sha.update(data, from, length), HASHERS));
    hashed[0].join();
    bytesFetched.add(data.length);
    return verified(data, Digests.name(sha.digest()), x.slice(), x.where());
  }

  /**
   * The same exchange as {@link #fetch}, with every check on the ref and the answer, into the
   * caller's array, but no digest: what the transport alone costs, for the data benchmark's
   * column beside the verified fetch. Its bytes are unchecked, so never a task's input.
   *
   * @return the bytes moved, the ref's length
   */
  public int transferUnverified(DataRef ref, Duration timeout, byte[] into) throws DataException, InterruptedException {
    Exchange x = exchange(ref, timeout);
    if (x.slice().length() > into.length) {
      throw new IllegalArgumentException(x.slice().describe() + " does not fit in " + into.length + " bytes");
    }
    if (x.slice().length() > 0) {
      receive(x, into, (from, length) -> {});
    }
    return (int) x.slice().length();
  }

  /** A request that passed the checks made before anything is sent. */
  private record Exchange(URI uri, DataRef ref, Slice slice, Duration timeout, String where) {}

  /** Pieces of the body as they land: {@code data[from, from + length)} is final. */
  @FunctionalInterface
  private interface Landed {
    void piece(int from, int length);
  }

  private Exchange exchange(DataRef ref, Duration timeout) throws DataException {
    String where = Exchanges.where(ref.getUri());
    long expires = ref.getExpiresAtMs();
    long now = clockMillis.getAsLong();
    if (expires != 0 && now >= expires) {
      throw DataUnavailableException.refused("the URL " + where + " expired " + (now - expires) + " ms ago");
    }
    URI uri = Exchanges.httpUrl(ref.getUri());
    if (uri == null) {
      throw DataUnavailableException.refused("'" + where + "' is not an http(s) URL, the only kind a worker fetches");
    }
    Slice slice = Slice.of(ref);
    if (slice.length() > MAX_BYTES) {
      throw DataUnavailableException.refused(slice.describe() + " is " + slice.length() + " bytes, more than one array holds");
    }
    if (slice.length() > 0 && !timeout.isPositive()) {
      throw new DataUnavailableException("no time was left to fetch " + slice.describe(), true);
    }
    return new Exchange(uri, ref, slice, timeout, where);
  }

  /**
   * One blocking HTTP/1.1 exchange into {@code data}, each piece handed on as it lands. A plain connection, not
   * the JDK's HttpClient: its reactive body pipeline moved bulk bytes at a third of the speed here
   * (BENCHMARKS.md "Data service"). Reads are bounded by the deadline twice over: the socket's
   * read timeout catches a stall, and a watchdog closes the connection at the deadline so a server
   * that trickles bytes cannot hold the task past it either.
   */
  private void receive(Exchange x, byte[] data, Landed landed) throws DataException, InterruptedException {
    URI uri = x.uri();
    Slice slice = x.slice();
    Duration timeout = x.timeout();
    String where = x.where();
    int length = (int) slice.length();
    requests.increment();
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpURLConnection c;
    try {
      c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
    } catch (IOException | IllegalArgumentException e) {
      throw DataUnavailableException.refused("cannot open " + where + ": " + e.getMessage());
    }
    c.setInstanceFollowRedirects(false);
    c.setUseCaches(false);
    c.setConnectTimeout(Math.clamp(Math.min(CONNECT_TIMEOUT_MILLIS, timeout.toMillis()), 1, Integer.MAX_VALUE));
    c.setReadTimeout(Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE));
    headers(c, x.ref(), slice);
    ScheduledFuture<?> watchdog = WATCHDOG.schedule(c::disconnect, timeout.toNanos(), TimeUnit.NANOSECONDS);
    boolean complete = false;
    try {
      int status = c.getResponseCode();
      if (slice.partial() ? status != 206 : status != 200 && status != 206) {
        throw DataUnavailableException.refused(
            "fetching " + slice.describe() + " from " + where + " failed: HTTP " + status
                + (slice.partial() ? " to a range request (206 expected)" : ""));
      }
      long announced = c.getContentLengthLong();
      if (announced >= 0 && announced != length) {
        throw DataUnavailableException.refused(
            "fetching " + slice.describe() + " from " + where + " failed: Content-Length " + announced + " where "
                + length + " bytes were asked for");
      }
      try (InputStream in = c.getInputStream()) {
        int filled = 0;
        int handed = 0;
        while (filled < length) {
          if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while fetching " + slice.describe());
          }
          int n = in.read(data, filled, Math.min(length - filled, READ_PIECE));
          if (n < 0) {
            throw DataUnavailableException.refused(
                "fetching " + slice.describe() + " from " + where + " failed: the body ended after " + filled + " of the "
                    + length + " bytes expected");
          }
          filled += n;
          if (filled - handed >= LANDED_PIECE || filled == length) {
            landed.piece(handed, filled - handed);
            handed = filled;
          }
        }
        if (announced < 0 && in.read() >= 0) {
          throw DataUnavailableException.refused(
              "fetching " + slice.describe() + " from " + where + " failed: the body is longer than the " + length
                  + " bytes expected");
        }
      }
      complete = true;
    } catch (IOException e) {
      if (System.nanoTime() - deadline >= 0 || e instanceof SocketTimeoutException) {
        throw new DataUnavailableException(
            "no complete answer from " + where + " for " + slice.describe() + " within " + timeout.toMillis() + " ms", true);
      }
      throw DataUnavailableException.refused("fetching " + slice.describe() + " from " + where + " failed: " + e.getMessage());
    } finally {
      watchdog.cancel(false);
      if (!complete) {
        // Nothing half-read goes back to the pool of kept-alive connections.
        c.disconnect();
      }
    }
  }

  /** Requests sent, including those that failed. */
  public long requests() {
    return requests.sum();
  }

  /** Bytes of complete bodies received, verified or not. */
  public long bytesFetched() {
    return bytesFetched.sum();
  }

  private static void headers(HttpURLConnection c, DataRef ref, Slice slice) throws DataUnavailableException {
    for (Map.Entry<String, String> h : ref.getHeadersMap().entrySet()) {
      if (h.getKey().equalsIgnoreCase("Range")) {
        throw DataUnavailableException.refused("the ref sets a Range header; the worker derives it from the ref's range");
      }
      if (!HEADER_NAME.matcher(h.getKey()).matches() || h.getValue().chars().anyMatch(ch -> ch < 0x20 && ch != '\t' || ch == 0x7f)) {
        // Only the name: a header's value may be a credential.
        throw DataUnavailableException.refused("the ref's header '" + h.getKey() + "' cannot be sent");
      }
      c.setRequestProperty(h.getKey(), h.getValue());
    }
    if (slice.partial()) {
      c.setRequestProperty("Range", "bytes=" + slice.offset() + "-" + (slice.offset() + slice.length() - 1));
    }
  }

  /** {@code data}, if {@code actual} (its digest) is the one the slice promised. */
  private static byte[] verified(byte[] data, String actual, Slice slice, String where) throws DigestMismatchException {
    if (!actual.equals(slice.expected())) {
      throw new DigestMismatchException(slice.describe() + " from " + where, slice.expected(), actual);
    }
    return data;
  }
}
