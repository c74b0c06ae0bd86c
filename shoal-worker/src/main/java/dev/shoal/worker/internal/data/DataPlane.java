package dev.shoal.worker.internal.data;

import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import dev.shoal.worker.DataStats;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The worker's side of the orchestrator's data service (protocol 1.2): {@code tensor_ref} inputs
 * resolved through one cache and one fetcher, outputs above the inline limit uploaded, all over
 * one HTTP client. Thread-safe; its calls block, so they run on task threads.
 */
public final class DataPlane implements AutoCloseable {

  private final HttpClient http;
  private final DataFetcher fetcher;
  private final DataCache cache;
  private final OutputUploader uploader;

  DataPlane(HttpClient http, DataFetcher fetcher, DataCache cache, OutputUploader uploader) {
    this.http = http;
    this.fetcher = fetcher;
    this.cache = cache;
    this.uploader = uploader;
  }

  /**
   * @param cacheBytes most bytes of fetched inputs kept in memory
   * @param cacheAge how long a fetched input is kept
   * @param clockMillis epoch milliseconds: ref expiry and cache ages
   */
  public static DataPlane create(long cacheBytes, Duration cacheAge, LongSupplier clockMillis) {
    HttpClient http =
        HttpClient.newBuilder()
            // Plain HTTP/1.1: no h2c upgrade dance on http:// URLs, and idle connections are reused.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            // A signed URL points at its bytes; a redirect would carry the ref's headers elsewhere.
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new DataPlane(
        http, new DataFetcher(clockMillis), new DataCache(cacheBytes, cacheAge, clockMillis), new OutputUploader(http));
  }

  /**
   * The tensor {@code ref} names, its bytes verified against their digest.
   *
   * @param timeout the most this may take, waiting on another task's download included
   */
  public Tensor input(TensorRef ref, Duration timeout) throws DataException, InterruptedException {
    byte[] data = cache.get(ref.getData(), timeout, left -> fetcher.fetch(ref.getData(), left));
    int[] dims = new int[ref.getShapeCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.toIntExact(ref.getShape(i));
    }
    // Read-only: the cached array is shared with every other task that names these bytes.
    return Tensor.fromLittleEndian(WireTensors.fromWire(ref.getDtype()), Shape.of(dims), ByteBuffer.wrap(data).asReadOnlyBuffer());
  }

  /** Uploads {@code t} to {@code uploadUrl} and returns the {@code tensor_ref} naming it. */
  public Value output(String uploadUrl, Tensor t, Duration timeout) throws UploadFailedException, InterruptedException {
    return uploader.upload(uploadUrl, t, timeout);
  }

  /** Whether {@code url} is one the worker would upload to: http(s) with a host. */
  public static boolean isUploadUrl(String url) {
    return Exchanges.httpUrl(url) != null;
  }

  public DataStats stats() {
    return new DataStats(
        fetcher.requests(), fetcher.bytesFetched(), cache.hits(), cache.joins(), cache.bytes(),
        uploader.uploads(), uploader.bytesUploaded());
  }

  /** Aborts exchanges still running; the worker is stopping. */
  @Override
  public void close() {
    http.shutdownNow();
  }
}
