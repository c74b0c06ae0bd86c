package dev.shoal.worker.internal.data;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the orchestrator's data service on a loopback port: serves blobs by digest,
 * whole or one {@code Range} ({@code 206}), takes uploads and answers them like the service does,
 * counts and records requests, and misbehaves on demand (other bytes, stalls, lies).
 */
public final class BlobServer implements AutoCloseable {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, byte[]> served = new ConcurrentHashMap<>();
  private final AtomicInteger gets = new AtomicInteger();
  private final List<Headers> requests = new CopyOnWriteArrayList<>();
  private final List<byte[]> uploads = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);

  /** Answer every GET with this status (and no body) instead of the blob. */
  public volatile int status;
  /** Answer GETs whole, with 200, even when a range is asked for. */
  public volatile boolean ignoreRange;
  /** Hold every GET before its headers until {@link #release()}. */
  public volatile boolean stallBeforeHeaders;
  /** Send the headers and this many body bytes of each GET, then hold it until {@link #release()}. */
  public volatile int stallAfterBytes = -1;
  /** When set, every GET waits for it to open, then is answered normally. */
  public volatile CountDownLatch gate;
  /** Answer uploads naming this digest instead of the one the bytes have. */
  public volatile String uploadReceiptDigest;

  private BlobServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(threads);
    server.createContext("/v1/blobs/", this::get);
    server.createContext("/v1/uploads", this::upload);
    server.start();
  }

  public static BlobServer start() throws IOException {
    return new BlobServer();
  }

  /** Serves {@code data} under its digest; returns {@code sha256:<hex>}. */
  public String put(byte[] data) {
    String digest = sha256(data);
    served.put(digest, data.clone());
    return digest;
  }

  /** From now on serves {@code other} under {@code digest}: a corrupt store, or a liar. */
  public void serveInstead(String digest, byte[] other) {
    served.put(digest, other.clone());
  }

  /** A signed-looking URL for {@code digest}. */
  public String url(String digest) {
    return base() + "/v1/blobs/" + digest.substring("sha256:".length()) + "?expires=0&sig=test";
  }

  public String uploadUrl() {
    return base() + "/v1/uploads?attempt=a1&sig=test";
  }

  /** GET requests received. */
  public int gets() {
    return gets.get();
  }

  /** Headers of every GET, in order. */
  public List<Headers> requests() {
    return List.copyOf(requests);
  }

  /** Bodies uploaded, in order. */
  public List<byte[]> uploads() {
    return List.copyOf(uploads);
  }

  /** Lets every held request go on (and fail: the client has usually given up by then). */
  public void release() {
    released.countDown();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }

  public static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void get(HttpExchange x) throws IOException {
    try (x) {
      gets.incrementAndGet();
      requests.add(x.getRequestHeaders());
      if (stallBeforeHeaders) {
        hold();
        return;
      }
      CountDownLatch g = gate;
      if (g != null) {
        await(g);
      }
      if (status != 0) {
        x.sendResponseHeaders(status, -1);
        return;
      }
      byte[] blob = served.get("sha256:" + x.getRequestURI().getPath().substring("/v1/blobs/".length()));
      if (blob == null) {
        x.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = blob;
      int code = 200;
      String range = x.getRequestHeaders().getFirst("Range");
      if (range != null && !ignoreRange) {
        Matcher m = RANGE.matcher(range);
        if (!m.matches()) {
          x.sendResponseHeaders(416, -1);
          return;
        }
        int from = Integer.parseInt(m.group(1));
        int to = Math.min(Integer.parseInt(m.group(2)), blob.length - 1);
        body = Arrays.copyOfRange(blob, from, to + 1);
        code = 206;
        x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + blob.length);
      }
      x.getResponseHeaders().set("Content-Type", "application/octet-stream");
      x.sendResponseHeaders(code, body.length);
      OutputStream out = x.getResponseBody();
      int stallAt = stallAfterBytes;
      if (stallAt >= 0) {
        out.write(body, 0, Math.min(stallAt, body.length));
        out.flush();
        hold();
        return;
      }
      out.write(body);
    }
  }

  private void upload(HttpExchange x) throws IOException {
    try (x) {
      if (!"POST".equals(x.getRequestMethod())) {
        x.sendResponseHeaders(405, -1);
        return;
      }
      requests.add(x.getRequestHeaders());
      byte[] body = x.getRequestBody().readAllBytes();
      uploads.add(body);
      String digest = put(body);
      String named = uploadReceiptDigest != null ? uploadReceiptDigest : digest;
      byte[] answer =
          ("{\"digest\":\"" + named + "\",\"size\":" + body.length + ",\"uri\":\"shoal:data/" + named + "\"}").getBytes();
      x.getResponseHeaders().set("Content-Type", "application/json");
      x.sendResponseHeaders(201, answer.length);
      x.getResponseBody().write(answer);
    }
  }

  private void hold() {
    await(released);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
