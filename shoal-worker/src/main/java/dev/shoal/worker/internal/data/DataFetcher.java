package dev.shoal.worker.internal.data;

import dev.shoal.protocol.v1.DataRef;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
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

  private final HttpClient http;
  private final LongSupplier clockMillis;
  private final LongAdder requests = new LongAdder();
  private final LongAdder bytesFetched = new LongAdder();

  /**
   * @param http the worker's one client for the data service (no redirects: a signed URL has
   *     nowhere else to go, and a redirect would carry the ref's headers to another host)
   * @param clockMillis epoch milliseconds, to judge {@code expires_at_ms}
   */
  public DataFetcher(HttpClient http, LongSupplier clockMillis) {
    this.http = http;
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
    if (slice.length() == 0) {
      // Nothing to fetch, and no Range header could ask for nothing; the digest still decides.
      return verified(new byte[0], slice, where);
    }
    if (!timeout.isPositive()) {
      throw new DataUnavailableException("no time was left to fetch " + slice.describe(), true);
    }
    HttpRequest request = request(uri, ref, slice, timeout);
    requests.increment();
    HttpResponse<byte[]> response;
    java.security.MessageDigest sha = Digests.newSha256();
    try {
      response = Exchanges.send(http, request, info -> body(info, slice, sha), timeout);
    } catch (TimeoutException e) {
      throw new DataUnavailableException(
          "no complete answer from " + where + " for " + slice.describe() + " within " + timeout.toMillis() + " ms", true);
    } catch (IOException e) {
      throw DataUnavailableException.refused("fetching " + slice.describe() + " from " + where + " failed: " + e.getMessage());
    }
    byte[] data = response.body();
    bytesFetched.add(data.length);
    return verified(data, Digests.name(sha.digest()), slice, where);
  }

  /** Requests sent, including those that failed. */
  public long requests() {
    return requests.sum();
  }

  /** Bytes of complete bodies received, verified or not. */
  public long bytesFetched() {
    return bytesFetched.sum();
  }

  private static HttpRequest request(URI uri, DataRef ref, Slice slice, Duration timeout) throws DataUnavailableException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    for (Map.Entry<String, String> h : ref.getHeadersMap().entrySet()) {
      if (h.getKey().equalsIgnoreCase("Range")) {
        throw DataUnavailableException.refused("the ref sets a Range header; the worker derives it from the ref's range");
      }
      try {
        b.header(h.getKey(), h.getValue());
      } catch (IllegalArgumentException e) {
        // Only the name: a header's value may be a credential.
        throw DataUnavailableException.refused("the ref's header '" + h.getKey() + "' cannot be sent: " + e.getMessage());
      }
    }
    if (slice.partial()) {
      b.header("Range", "bytes=" + slice.offset() + "-" + (slice.offset() + slice.length() - 1));
    }
    return b.build();
  }

  /** Reads exactly the slice's bytes, or refuses at the headers when they already say otherwise. */
  private static HttpResponse.BodySubscriber<byte[]> body(
      HttpResponse.ResponseInfo info, Slice slice, java.security.MessageDigest sha) {
    int status = info.statusCode();
    if (slice.partial() ? status != 206 : status != 200 && status != 206) {
      return BoundedBody.refusing("HTTP " + status + (slice.partial() ? " to a range request (206 expected)" : ""));
    }
    OptionalLong announced;
    try {
      announced = info.headers().firstValueAsLong("Content-Length");
    } catch (NumberFormatException e) {
      return BoundedBody.refusing("an unreadable Content-Length");
    }
    if (announced.isPresent() && announced.getAsLong() != slice.length()) {
      return BoundedBody.refusing("Content-Length " + announced.getAsLong() + " where " + slice.length() + " bytes were asked for");
    }
    return BoundedBody.exactly((int) slice.length(), sha);
  }

  private static byte[] verified(byte[] data, Slice slice, String where) throws DigestMismatchException {
    return verified(data, Digests.sha256(data), slice, where);
  }

  /** {@code data}, if {@code actual} (its digest) is the one the slice promised. */
  private static byte[] verified(byte[] data, String actual, Slice slice, String where) throws DigestMismatchException {
    if (!actual.equals(slice.expected())) {
      throw new DigestMismatchException(slice.describe() + " from " + where, slice.expected(), actual);
    }
    return data;
  }
}
