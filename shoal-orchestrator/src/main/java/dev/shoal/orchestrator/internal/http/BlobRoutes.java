package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.orchestrator.internal.core.TaskInputs;
import dev.shoal.orchestrator.internal.data.BlobStore;
import dev.shoal.orchestrator.internal.data.BlobUrls;
import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code /v1/blobs} (API.md "Data service"): upload bytes and get their SHA-256 back; download by
 * digest, whole or one byte range. Blobs are immutable, so a download can be cached forever.
 */
final class BlobRoutes {

  /** The header a client promises the body's digest with; a mismatch stores nothing. */
  static final String SHA256_HEADER = "Shoal-Content-Sha256";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
  private static final int SERVE_PIECE = 1 << 20;
  /** Direct buffers of SERVE_PIECE bytes between downloads; more at once are allocated and dropped. */
  private static final java.util.concurrent.BlockingQueue<ByteBuffer> PIECES = new java.util.concurrent.ArrayBlockingQueue<>(8);

  private final HttpApi api;
  private final BlobStore blobs;
  private final BlobUrls urls;
  private final java.util.function.LongSupplier clock;
  private final long maxBytes;
  private final ObjectMapper mapper = new ObjectMapper();
  private final java.util.concurrent.atomic.LongAdder served = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder uploaded = new java.util.concurrent.atomic.LongAdder();
  /** How long a signed URL lives unless asked otherwise, and at most. */
  static final long DEFAULT_TTL_MILLIS = 15 * 60 * 1000;
  static final long MAX_TTL_MILLIS = 24 * 3600 * 1000;

  /** {@code blobs} null: this API has no data service. */
  BlobRoutes(HttpApi api, BlobStore blobs, BlobUrls urls, java.util.function.LongSupplier clock, long maxBytes) {
    this.api = api;
    this.blobs = blobs;
    this.urls = urls;
    this.clock = clock;
    this.maxBytes = maxBytes;
  }

  /** Whether a request to a blob carries a signed URL: then the signature, not a key, admits it. */
  static boolean signed(Context ctx) {
    return ctx.queryParam("sig") != null;
  }

  /**
   * {@code POST /v1/blobs/{sha256}/url}: {@code {"from", "to", "ttl_ms"}} (all optional: the whole
   * blob for 15 minutes) → a URL that opens that range, without a key, until it expires.
   */
  void url(Context ctx) throws IOException {
    String digest = ctx.pathParam("sha256");
    if (!BlobStore.isDigest(digest)) {
      throw ApiException.invalidArgument("a blob is named by its sha256: 64 lowercase hex digits");
    }
    Path file = available().find(digest).orElseThrow(() -> ApiException.notFound("no blob " + digest));
    long size = Files.size(file);
    var body = api.readObject(ctx, java.util.Set.of("from", "to", "ttl_ms"));
    long from = body.path("from").asLong(0);
    // An empty blob has no last byte: its window is 0..0, which serves nothing.
    long to = body.has("to") ? body.get("to").asLong() : Math.max(0, size - 1);
    long ttl = body.has("ttl_ms") ? body.get("ttl_ms").asLong() : DEFAULT_TTL_MILLIS;
    if (from < 0 || to < from || to >= Math.max(1, size) || ttl < 1 || ttl > MAX_TTL_MILLIS) {
      throw ApiException.invalidArgument(
          "need 0 <= from <= to < " + size + " (the blob's size) and 1 <= ttl_ms <= " + MAX_TTL_MILLIS);
    }
    BlobUrls.Grant g = new BlobUrls.Grant(digest, from, to, clock.getAsLong() + ttl);
    api.replyJson(
        ctx, 201,
        mapper.createObjectNode()
            .put("url", "/v1/blobs/" + digest + "?" + g.query(urls.sign(g)))
            .put("from", from)
            .put("to", to)
            .put("expires_at", g.expiresAt()));
  }

  /**
   * {@code POST /v1/blobs}: the body, raw. With a key; or, for a worker storing an output, with
   * the upload URL its task came with (signed for that attempt, capped, short-lived).
   */
  void upload(Context ctx) throws IOException {
    BlobStore store = available();
    long cap = maxBytes;
    BlobUrls.UploadGrant grant = null;
    if (signed(ctx)) {
      try {
        grant = new BlobUrls.UploadGrant(
            ctx.queryParam("attempt"), Long.parseLong(ctx.queryParam("max")), Long.parseLong(ctx.queryParam("expires")));
      } catch (NumberFormatException | NullPointerException e) {
        throw new ApiException(ApiException.Code.PERMISSION_DENIED, "an upload URL carries attempt, max, expires and sig");
      }
      String refusal =
          grant.attempt() == null ? "an upload URL names its attempt" : urls.refusal(grant, ctx.queryParam("sig"), clock.getAsLong());
      if (refusal != null) {
        throw new ApiException(ApiException.Code.PERMISSION_DENIED, refusal);
      }
      long length = ctx.req().getContentLengthLong();
      if (length < 0) {
        throw ApiException.invalidArgument("an upload by URL must state its Content-Length");
      }
      cap = Math.min(cap, reserveUpload(grant, length));
    }
    String promised = ctx.header(SHA256_HEADER);
    if (promised != null && !BlobStore.isDigest(promised)) {
      throw ApiException.invalidArgument(SHA256_HEADER + " must be 64 lowercase hex digits");
    }
    if (ctx.req().getContentLengthLong() > cap) {
      throw ApiException.payloadTooLarge("the blob is larger than this URL takes (" + cap + " bytes)");
    }
    BlobStore.Stored stored;
    try (InputStream in = ctx.req().getInputStream()) {
      stored = store.put(in, cap, Optional.ofNullable(promised));
    } catch (BlobStore.Refused e) {
      throw e.tooLarge() ? ApiException.payloadTooLarge(e.getMessage()) : ApiException.invalidArgument(e.getMessage());
    }
    uploaded.add(stored.size());
    if (grant != null && stored.size() < cap) {
      // A body shorter than announced gives back what it did not use.
      releaseUpload(grant, cap - stored.size());
    }
    ctx.header("Location", "/v1/blobs/" + stored.sha256());
    api.replyJson(
        ctx, stored.created() ? 201 : 200,
        mapper.createObjectNode()
            .put("sha256", stored.sha256())
            .put("size", stored.size())
            .put("digest", TaskInputs.digest(stored.sha256()))
            .put("uri", TaskInputs.DATA_PREFIX + TaskInputs.digest(stored.sha256())));
  }

  /**
   * What each upload grant has used: an attempt may store no more than its outputs add up to,
   * however many requests it makes. Entries go once their grant has expired.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Long> uploadsUsed = new java.util.concurrent.ConcurrentHashMap<>();

  /** Reserves {@code length} bytes of the grant's budget; returns them, or refuses with 413. */
  private long reserveUpload(BlobUrls.UploadGrant g, long length) {
    long now = clock.getAsLong();
    uploadsUsed.keySet().removeIf(k -> Long.parseLong(k.substring(k.lastIndexOf('@') + 1)) <= now);
    String key = g.attempt() + "@" + g.expiresAt();
    long[] granted = {-1};
    uploadsUsed.compute(key, (k, used) -> {
      long u = used == null ? 0 : used;
      if (u + length > g.maxBytes()) {
        return used;
      }
      granted[0] = length;
      return u + length;
    });
    if (granted[0] < 0) {
      throw ApiException.payloadTooLarge(
          "attempt " + g.attempt() + " may upload " + g.maxBytes() + " bytes in all; this would pass that");
    }
    return length;
  }

  private void releaseUpload(BlobUrls.UploadGrant g, long unused) {
    uploadsUsed.computeIfPresent(g.attempt() + "@" + g.expiresAt(), (k, used) -> Math.max(0, used - unused));
  }

  /** Bytes served by downloads, and stored by uploads, since start: what data cost the network. */
  long bytesServed() {
    return served.sum();
  }

  long bytesUploaded() {
    return uploaded.sum();
  }

  /** {@code GET /v1/blobs/{sha256}}, with {@code Range: bytes=a-b} for a part. */
  void download(Context ctx) throws IOException {
    serve(ctx, true);
  }

  /** {@code HEAD /v1/blobs/{sha256}}: its size, without its bytes. */
  void head(Context ctx) throws IOException {
    serve(ctx, false);
  }

  private void serve(Context ctx, boolean body) throws IOException {
    String digest = ctx.pathParam("sha256");
    if (!BlobStore.isDigest(digest)) {
      throw ApiException.invalidArgument("a blob is named by its sha256: 64 lowercase hex digits");
    }
    // A signed URL opens one window of one blob; a request with a key, the whole blob.
    long windowFrom = 0;
    long windowTo = Long.MAX_VALUE;
    if (signed(ctx)) {
      BlobUrls.Grant g;
      try {
        g = new BlobUrls.Grant(
            digest, Long.parseLong(ctx.queryParam("from")), Long.parseLong(ctx.queryParam("to")),
            Long.parseLong(ctx.queryParam("expires")));
      } catch (NumberFormatException | NullPointerException e) {
        throw new ApiException(ApiException.Code.PERMISSION_DENIED, "a signed URL carries from, to, expires and sig");
      }
      String refusal = urls.refusal(g, ctx.queryParam("sig"), clock.getAsLong());
      if (refusal != null) {
        throw new ApiException(ApiException.Code.PERMISSION_DENIED, refusal);
      }
      windowFrom = g.from();
      windowTo = g.to();
    }
    Path file = available().find(digest).orElseThrow(() -> ApiException.notFound("no blob " + digest));
    long size = Files.size(file);
    long from = windowFrom;
    long to = Math.min(size - 1, windowTo);
    int status = from == 0 && to == size - 1 ? 200 : 206;
    if (status == 206) {
      ctx.header("Content-Range", "bytes " + from + "-" + to + "/" + size);
    }
    String range = ctx.header("Range");
    if (range != null) {
      Matcher m = RANGE.matcher(range.strip());
      // Anything but one simple range (several, other units) is answered whole, as HTTP allows.
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        try {
          if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            from = Math.max(0, size - suffix);
          } else {
            from = Long.parseLong(m.group(1));
            if (!m.group(2).isEmpty()) {
              to = Math.min(to, Long.parseLong(m.group(2)));
            }
          }
        } catch (NumberFormatException tooBig) {
          from = size;
        }
        if (from >= size || from > to || from < windowFrom || to > windowTo) {
          ctx.header("Content-Range", "bytes */" + size);
          throw new ApiException(ApiException.Code.RANGE_NOT_SATISFIABLE, "blob " + digest + " has " + size + " bytes; " + range + " is outside it");
        }
        status = 206;
        ctx.header("Content-Range", "bytes " + from + "-" + to + "/" + size);
      }
    }
    long length = size == 0 ? 0 : to - from + 1;
    ctx.status(status);
    ctx.contentType("application/octet-stream");
    ctx.header("Accept-Ranges", "bytes");
    ctx.header("ETag", "\"" + digest + "\"");
    ctx.header("Cache-Control", "public, max-age=31536000, immutable");
    ctx.res().setContentLengthLong(length);
    if (!body || length == 0) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file)) {
      OutputStream out = ctx.res().getOutputStream();
      if (out instanceof HttpOutput jetty) {
        sendDirect(ch, jetty, from, length, digest);
      } else {
        sendCopied(ch, out, from, length, digest);
      }
      out.flush();
    }
    served.add(length);
  }

  /**
   * Each piece read from the file into a direct buffer and handed to Jetty as it is: the file's
   * bytes are copied once into the buffer and once by the kernel into the socket, where a byte
   * array adds a copy on each side (about an eighth more throughput, BENCHMARKS.md "Data service").
   */
  private void sendDirect(FileChannel ch, HttpOutput out, long from, long length, String digest) throws IOException {
    ByteBuffer piece = PIECES.poll();
    if (piece == null) {
      piece = ByteBuffer.allocateDirect(SERVE_PIECE);
    }
    try {
      long at = from;
      long end = from + length;
      while (at < end) {
        piece.clear().limit((int) Math.min(SERVE_PIECE, end - at));
        int n = ch.read(piece, at);
        if (n < 0) {
          throw new IOException("blob " + digest + " ended early");
        }
        out.write(piece.flip());
        at += n;
      }
    } finally {
      PIECES.offer(piece);
    }
  }

  /** The same through any servlet stream: a piece at a time through one byte array. */
  private static void sendCopied(FileChannel ch, OutputStream out, long from, long length, String digest) throws IOException {
    // Large pieces: transferTo into a stream falls back to 8 KiB copies, and each write
    // of the response is a syscall; a 1 MiB piece is one read and a few socket writes.
    byte[] piece = new byte[(int) Math.min(SERVE_PIECE, length)];
    ByteBuffer buf = ByteBuffer.wrap(piece);
    long at = from;
    long end = from + length;
    while (at < end) {
      buf.clear().limit((int) Math.min(piece.length, end - at));
      int n = ch.read(buf, at);
      if (n < 0) {
        throw new IOException("blob " + digest + " ended early");
      }
      out.write(piece, 0, n);
      at += n;
    }
  }

  private BlobStore available() {
    if (blobs == null) {
      throw ApiException.unavailable("this orchestrator has no data service", 60);
    }
    return blobs;
  }
}
