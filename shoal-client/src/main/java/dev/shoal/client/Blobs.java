package dev.shoal.client;

import dev.shoal.client.internal.Sync;
import dev.shoal.operators.Tensor;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The data service ({@code /v1/blobs}, {@code /v1/data}): blobs stored by content (named by the
 * SHA-256 of their bytes, stored once, never changed), read whole or by byte range, shared by
 * signed URL, and collected once no live job needs them. Files are streamed both ways, never held
 * in memory whole. A blob is named by its digest, {@code sha256:<hex>} or the bare hex.
 * Thread-safe.
 *
 * <pre>{@code
 * BlobInfo data = shoal.blobs().put(Path.of("rows.bin"));      // int32, 65536 × 128
 * String job = shoal.jobs().submit(JobRequest.mapReduce(data.asTensor(DType.INT32, Shape.of(65536, 128), 0),
 *     4096, "tensor.reduce_sum@1", Map.of("axis", 0), "tensor.add@1"));
 * }</pre>
 */
public final class Blobs {

  private final AsyncBlobs async;

  Blobs(AsyncBlobs async) {
    this.async = async;
  }

  /**
   * Stores a file's bytes, streamed, with its digest promised so that a file changed while it
   * is sent stores nothing ({@link InvalidArgumentException}). {@link LocalFileException} if it
   * cannot be read; {@link PayloadTooLargeException} over the orchestrator's cap (256 MiB by
   * default).
   */
  public BlobInfo put(Path file) {
    return Sync.await(async.put(file));
  }

  /** Stores these bytes. */
  public BlobInfo put(byte[] bytes) {
    return Sync.await(async.put(bytes));
  }

  /** Stores a tensor's little-endian bytes; returns the reference a job takes as input. */
  public StoredTensor putTensor(Tensor tensor) {
    return Sync.await(async.putTensor(tensor));
  }

  /**
   * Saves a whole blob to {@code target} (replaced if it exists), checking that the bytes hash to
   * its name; returns the bytes written. A failed download leaves {@code target} as it was.
   */
  public long get(String sha256, Path target) {
    return Sync.await(async.get(sha256, target));
  }

  /** Saves bytes {@code from .. from + length - 1} of a blob to {@code target}; fewer when it ends first. */
  public long get(String sha256, long from, long length, Path target) {
    return Sync.await(async.get(sha256, from, length, target));
  }

  /**
   * Bytes {@code from .. from + length - 1} of a blob, in memory; fewer when it ends first. {@link
   * RangeNotSatisfiableException} when {@code from} is at or past its end.
   */
  public byte[] read(String sha256, long from, long length) {
    return Sync.await(async.read(sha256, from, length));
  }

  /**
   * An output's tensor: an inline one as it is (nothing is fetched), a {@link StoredTensor} (a task
   * output kept in the data service, say) read from the data service.
   */
  public Tensor readTensor(TaskOutput output) {
    return Sync.await(async.readTensor(output));
  }

  /** A signed URL for the whole blob, opening it without a key for {@code ttl} (null: 15 minutes; at most 24 h). */
  public BlobUrl url(String sha256, Duration ttl) {
    return Sync.await(async.url(sha256, ttl));
  }

  /** A signed URL for bytes {@code from..to} (inclusive) of a blob, for {@code ttl} (null: 15 minutes; at most 24 h). */
  public BlobUrl url(String sha256, long from, long to, Duration ttl) {
    return Sync.await(async.url(sha256, from, to, ttl));
  }

  /** What the data service moved since the orchestrator started. */
  public DataStats stats() {
    return Sync.await(async.stats());
  }

  /**
   * Admin: collects now rather than at the next sweep. {@link UnavailableException} when the
   * orchestrator keeps results forever, so never collects.
   */
  public BlobCollection collect() {
    return Sync.await(async.collect());
  }
}
