package dev.shoal.client;

import dev.shoal.client.internal.Decoding;
import dev.shoal.client.internal.Encoding;
import dev.shoal.client.internal.Errors;
import dev.shoal.client.internal.Futures;
import dev.shoal.client.internal.MediaTypes;
import dev.shoal.client.internal.Sync;
import dev.shoal.client.internal.Transport;
import dev.shoal.operators.Tensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data service ({@code /v1/blobs}, {@code /v1/data}), asynchronously: blobs stored by content
 * (named by the SHA-256 of their bytes, stored once, never changed), read whole or by byte range,
 * shared by signed URL, and collected once no live job needs them. Files are streamed both ways,
 * never held in memory whole. A blob is named by its digest, {@code sha256:<hex>} or the bare hex.
 * Thread-safe.
 */
public final class AsyncBlobs {

  /** The header an upload promises its digest with: a body that does not hash to it stores nothing. */
  static final String SHA256_HEADER = "Shoal-Content-Sha256";

  private static final String OCTET_STREAM = "application/octet-stream";
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  /** The largest range {@link #read} returns: what one array holds. */
  private static final long MAX_READ = Integer.MAX_VALUE - 8;

  private final Transport transport;
  private final Encoding encoding;

  AsyncBlobs(Transport transport) {
    this.transport = transport;
    this.encoding = new Encoding(transport.mapper());
  }

  // ---------------------------------------------------------------- uploads

  /**
   * Stores a file's bytes: reads it once to hash it, then streams it up with its digest promised
   * ({@code Shoal-Content-Sha256}), so a file changed in between is refused ({@link
   * InvalidArgumentException}) and nothing is stored. {@link LocalFileException} if it cannot be
   * read; {@link PayloadTooLargeException} over the orchestrator's body cap (256 MiB by default).
   * The call may take the client's timeout plus a second per MiB.
   */
  public CompletableFuture<BlobInfo> put(Path file) {
    Objects.requireNonNull(file, "file");
    return Futures.onVirtualThread(
        "shoal-blob-put",
        () -> {
          String sha256 = sha256Of(file);
          long size;
          HttpRequest.BodyPublisher body;
          try {
            size = Files.size(file);
            body = HttpRequest.BodyPublishers.ofFile(file);
          } catch (IOException e) {
            throw new LocalFileException("cannot read " + file + ": " + e.getMessage(), e);
          }
          return Sync.await(transport.call(upload(body, sha256, size), Decoding::blob));
        });
  }

  /** Stores these bytes (see {@link #put(Path)}). */
  public CompletableFuture<BlobInfo> put(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    HttpRequest req = upload(HttpRequest.BodyPublishers.ofByteArray(bytes), hex(sha256().digest(bytes)), bytes.length);
    return transport.call(req, Decoding::blob);
  }

  /** Stores a tensor's little-endian bytes; completes with the reference a job takes as input. */
  public CompletableFuture<StoredTensor> putTensor(Tensor tensor) {
    Objects.requireNonNull(tensor, "tensor");
    return Futures.map(put(tensor.toLittleEndianBytes()), b -> b.asTensor(tensor.dtype(), tensor.shape(), 0));
  }

  private HttpRequest upload(HttpRequest.BodyPublisher body, String sha256, long size) {
    return transport
        .request("/v1/blobs")
        // An upload takes as long as its bytes do: the client's timeout, plus a second per MiB.
        .timeout(transport.options().timeout().plusSeconds(size >> 20))
        .header("Content-Type", OCTET_STREAM)
        .header(SHA256_HEADER, sha256)
        .POST(body)
        .build();
  }

  // ---------------------------------------------------------------- downloads

  /**
   * Saves a whole blob to {@code target} (a file, replaced if it exists), checking that the bytes
   * hash to the name asked for; completes with the bytes written. The bytes go to a temporary file
   * beside it first, so a failed or mismatched download ({@link ProtocolException}) leaves the
   * target as it was. {@link NotFoundException} for a blob not stored (or collected).
   */
  public CompletableFuture<Long> get(String sha256, Path target) {
    String hex = hexOf(sha256);
    Objects.requireNonNull(target, "target");
    return Futures.onVirtualThread("shoal-blob-get", () -> download(hex, 0, -1, target));
  }

  /**
   * Saves bytes {@code from .. from + length - 1} of a blob to {@code target}, streamed; fewer
   * when the blob ends first. Completes with the bytes written. {@link
   * RangeNotSatisfiableException} when {@code from} is at or past the blob's end.
   */
  public CompletableFuture<Long> get(String sha256, long from, long length, Path target) {
    String hex = hexOf(sha256);
    checkRange(from, length, Long.MAX_VALUE);
    Objects.requireNonNull(target, "target");
    return Futures.onVirtualThread("shoal-blob-get", () -> download(hex, from, length, target));
  }

  /**
   * Bytes {@code from .. from + length - 1} of a blob, in memory; fewer when the blob ends first.
   * {@link RangeNotSatisfiableException} when {@code from} is at or past the blob's end.
   */
  public CompletableFuture<byte[]> read(String sha256, long from, long length) {
    String hex = hexOf(sha256);
    checkRange(from, length, MAX_READ);
    HttpRequest req = ranged(hex, from, length);
    return Futures.onVirtualThread(
        "shoal-blob-read",
        () -> {
          HttpResponse<InputStream> resp = Sync.await(transport.sendForStream(req));
          InputStream body = transport.streamBody(req, resp, OCTET_STREAM);
          try (body) {
            checkRangeAnswer(req, resp.statusCode(), OCTET_STREAM, resp.headers().firstValue("Content-Range").orElse(null), from);
            // At most what was asked: a server that ignored the range sent the whole blob from byte 0.
            return body.readNBytes((int) length);
          } catch (IOException e) {
            throw Errors.transport(Transport.what(req), e);
          }
        });
  }

  /**
   * An output's tensor: an inline one as it is (nothing is fetched), a {@link StoredTensor} (a task
   * output kept in the data service, say) read from the data service.
   */
  public CompletableFuture<Tensor> readTensor(TaskOutput output) {
    Objects.requireNonNull(output, "output");
    return switch (output) {
      case TaskOutput.Inline i -> CompletableFuture.completedFuture(i.tensor());
      case StoredTensor s -> readStored(s);
    };
  }

  private CompletableFuture<Tensor> readStored(StoredTensor ref) {
    long size = ref.byteSize();
    if (size > MAX_READ) {
      throw new IllegalArgumentException("a tensor of " + size + " bytes is larger than an array holds");
    }
    if (size == 0) {
      return CompletableFuture.completedFuture(
          Tensor.fromLittleEndian(ref.dtype(), ref.shape(), ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN)));
    }
    return Futures.map(
        read(ref.sha256(), ref.offset(), size),
        bytes -> {
          if (bytes.length != size) {
            throw new ProtocolException(
                206, "blob " + ref.blob() + " ends " + bytes.length + " bytes after offset " + ref.offset() + "; "
                    + ref.dtype().wireName() + " " + ref.shape() + " needs " + size, null);
          }
          return Tensor.fromLittleEndian(ref.dtype(), ref.shape(), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        });
  }

  // ---------------------------------------------------------------- signed URLs, stats, collection

  /** A signed URL for the whole blob, valid for {@code ttl} (null: 15 minutes; at most 24 h). */
  public CompletableFuture<BlobUrl> url(String sha256, Duration ttl) {
    return signedUrl(hexOf(sha256), null, null, ttl);
  }

  /** A signed URL for bytes {@code from..to} (inclusive) of a blob, valid for {@code ttl} (null: 15 minutes; at most 24 h). */
  public CompletableFuture<BlobUrl> url(String sha256, long from, long to, Duration ttl) {
    return signedUrl(hexOf(sha256), from, to, ttl);
  }

  private CompletableFuture<BlobUrl> signedUrl(String hex, Long from, Long to, Duration ttl) {
    var body = encoding.blobUrl(from, to, ttl == null ? null : ttl.toMillis());
    return transport.call(
        transport.post("/v1/blobs/" + hex + "/url", body),
        json -> {
          String url = Decoding.text(json, "url", "a signed URL");
          if (!json.path("expires_at").isIntegralNumber()) {
            throw new ProtocolException(201, "a signed URL has no expires_at", null);
          }
          // The orchestrator answers with its path; whoever gets the URL needs it whole.
          URI whole = url.startsWith("/") ? URI.create(transport.options().baseUrl() + url) : URI.create(url);
          return new BlobUrl(whole, json.path("from").asLong(), json.path("to").asLong(), json.path("expires_at").asLong());
        });
  }

  /** What the data service moved since the orchestrator started. */
  public CompletableFuture<DataStats> stats() {
    return transport.call(transport.get("/v1/data"), Decoding::dataStats);
  }

  /**
   * Admin: collects now rather than at the next sweep, deleting every blob no unfinished job
   * needs and nobody used for the result retention. {@link UnavailableException} when the
   * orchestrator keeps results forever, so never collects.
   */
  public CompletableFuture<BlobCollection> collect() {
    return transport.call(transport.post("/v1/blobs/gc", (byte[]) null), Decoding::blobCollection);
  }

  // ---------------------------------------------------------------- plumbing

  /** {@code length} -1: to the end, and the whole blob is checked against {@code hex}. Blocks. */
  private long download(String hex, long from, long length, Path target) {
    if (Files.isDirectory(target)) {
      throw new LocalFileException("cannot write blob " + hex + " to " + target + ": it is a directory", null);
    }
    boolean whole = length < 0;
    HttpRequest req = whole ? transport.request("/v1/blobs/" + hex).setHeader("Accept", OCTET_STREAM).GET().build() : ranged(hex, from, length);
    HttpResponse<InputStream> resp = Sync.await(transport.sendForStream(req));
    InputStream body = transport.streamBody(req, resp, OCTET_STREAM);
    Path part;
    try {
      if (!whole) {
        checkRangeAnswer(req, resp.statusCode(), OCTET_STREAM, resp.headers().firstValue("Content-Range").orElse(null), from);
      }
      part = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".", ".part");
    } catch (IOException | RuntimeException e) {
      closeQuietly(body);
      throw e instanceof ShoalException s
          ? s
          : new LocalFileException("cannot write blob " + hex + " beside " + target + ": " + e.getMessage(), e);
    }
    boolean done = false;
    try {
      MessageDigest digest = whole ? sha256() : null;
      // A server that ignored the range sent the whole blob from byte 0: keep only what was asked.
      long n = copy(req, body, part, digest, whole ? Long.MAX_VALUE : length);
      if (whole) {
        String got = hex(digest.digest());
        if (!got.equals(hex)) {
          throw new ProtocolException(resp.statusCode(), "the bytes received for blob " + hex + " hash to " + got, null);
        }
      }
      move(part, target);
      done = true;
      return n;
    } finally {
      closeQuietly(body);
      if (!done) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException e) {
          // Only a leftover temporary file; the failure being reported matters more.
        }
      }
    }
  }

  /**
   * Copies at most {@code max} bytes of the body into {@code file}: read failures are the
   * connection's, write failures the disk's.
   */
  private static long copy(HttpRequest req, InputStream in, Path file, MessageDigest digest, long max) {
    try (OutputStream out = Files.newOutputStream(file)) {
      byte[] buffer = new byte[64 << 10];
      long n = 0;
      while (n < max) {
        int r;
        try {
          r = in.read(buffer, 0, (int) Math.min(buffer.length, max - n));
        } catch (IOException e) {
          throw Errors.transport(Transport.what(req), e);
        }
        if (r < 0) {
          return n;
        }
        if (digest != null) {
          digest.update(buffer, 0, r);
        }
        out.write(buffer, 0, r);
        n += r;
      }
      return n;
    } catch (IOException e) {
      throw new LocalFileException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void move(Path part, Path target) {
    try {
      try {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new LocalFileException("cannot move the download into " + target + ": " + e.getMessage(), e);
    }
  }

  private HttpRequest ranged(String hex, long from, long length) {
    long last = Math.addExact(from, length - 1);
    return transport
        .request("/v1/blobs/" + hex)
        .setHeader("Accept", OCTET_STREAM)
        .header("Range", "bytes=" + from + "-" + last)
        .GET()
        .build();
  }

  /**
   * A ranged answer must be bytes, and start where asked: a 206 whose {@code Content-Range}
   * begins at {@code from}, or a 200 (the whole blob, from a server that ignores ranges) when
   * {@code from} is 0. Anything else would hand back the wrong bytes.
   */
  private static void checkRangeAnswer(HttpRequest req, int status, String type, String contentRange, long from) {
    if (!MediaTypes.is(type, OCTET_STREAM)) {
      throw new ProtocolException(
          status, "the answer to " + Transport.what(req) + " is " + (type.isEmpty() ? "untyped" : type) + ", not " + OCTET_STREAM, null);
    }
    if (status == 200 && from == 0) {
      return;
    }
    Matcher m = contentRange == null ? null : CONTENT_RANGE.matcher(contentRange.strip());
    if (status != 206 || m == null || !m.matches() || Long.parseLong(m.group(1)) != from) {
      throw new ProtocolException(
          status, "the answer to " + Transport.what(req) + " does not start at byte " + from + " (HTTP " + status
              + (contentRange == null ? "" : ", Content-Range " + contentRange) + ")", null);
    }
  }

  private static void checkRange(long from, long length, long maxLength) {
    if (from < 0 || length < 1 || length > maxLength || from > Long.MAX_VALUE - length) {
      throw new IllegalArgumentException(
          "a range needs from >= 0 and 1 <= length <= " + maxLength + ", got from " + from + " length " + length);
    }
  }

  /** The bare hex of a blob's name, checked here so that a typo is not a round trip. */
  static String hexOf(String sha256) {
    return StoredTensor.digest(sha256).substring("sha256:".length());
  }

  private static String sha256Of(Path file) {
    MessageDigest digest = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 << 10];
      for (int r; (r = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, r);
      }
    } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new LocalFileException("cannot read " + file + ": no such file", e);
    } catch (IOException e) {
      throw new LocalFileException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return hex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Only releasing the connection; nothing more is read.
    }
  }
}
