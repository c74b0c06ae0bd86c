package dev.shoal.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A lean HTTP/1.1 client for the gateway benchmark's latency rows, as load generators such as
 * wrk are: a blocking socket per thread and server, kept alive, read on the calling thread. The
 * JDK client reads every answer on its own selector thread and hands it over, ~9 wake-ups and
 * ~0.2 ms of CPU per request on the same two cores the four measured processes share (BENCHMARKS.md
 * "Measuring client"); that load is the harness's, not Shoal's. Body bytes reach the caller with
 * the time the read that brought them returned, so a stream's events are stamped as they arrive.
 * Thread-safe: each thread has its own connections.
 */
final class PlainHttp {

  /** Where body bytes go, with the {@link System#nanoTime} of the read that brought them. */
  interface Body {
    void bytes(byte[] b, int off, int len, long nanos) throws IOException;
  }

  private final ThreadLocal<Map<String, Connection>> connections = ThreadLocal.withInitial(HashMap::new);

  /**
   * Sends a request ({@code json} null: a GET) and hands the answer's body to {@code body};
   * returns the status. A kept-alive connection the server closed in the meantime is replaced
   * and the request sent once more, only if nothing of an answer was read.
   */
  int exchange(URI url, byte[] json, String accept, Body body) throws IOException {
    String key = url.getHost() + ":" + url.getPort();
    Map<String, Connection> mine = connections.get();
    for (int attempt = 1; ; attempt++) {
      Connection c = mine.get(key);
      boolean reused = c != null;
      if (c == null) {
        c = new Connection(url.getHost(), url.getPort());
        mine.put(key, c);
      }
      try {
        return c.exchange(url, json, accept, body);
      } catch (IOException e) {
        c.close();
        mine.remove(key);
        if (!reused || c.answered || attempt > 1) {
          throw e;
        }
      }
    }
  }

  /** One kept-alive connection; used by one thread only. */
  private static final class Connection {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String hostHeader;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long readAt;
    /** Whether any byte of the current answer was read: then it cannot be sent again. */
    boolean answered;

    Connection(String host, int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(host, port), 5_000);
      socket.setSoTimeout(30_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
      hostHeader = host + ":" + port;
    }

    int exchange(URI url, byte[] json, String accept, Body body) throws IOException {
      answered = false;
      String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
      StringBuilder head = new StringBuilder(256)
          .append(json == null ? "GET " : "POST ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(hostHeader).append("\r\n")
          .append("Accept: ").append(accept).append("\r\n");
      if (json != null) {
        head.append("Content-Type: application/json\r\nContent-Length: ").append(json.length).append("\r\n");
      }
      byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
      byte[] request = new byte[h.length + (json == null ? 0 : json.length)];
      System.arraycopy(h, 0, request, 0, h.length);
      if (json != null) {
        System.arraycopy(json, 0, request, h.length, json.length);
      }
      out.write(request);
      out.flush();

      String status = line();
      if (!status.startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x status line: " + status);
      }
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      boolean close = status.startsWith("HTTP/1.0");
      for (String line = line(); !line.isEmpty(); line = line()) {
        int colon = line.indexOf(':');
        String name = line.substring(0, Math.max(0, colon)).strip().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
          default -> {}
        }
      }
      if (chunked) {
        for (long size = Long.parseLong(stripExtensions(line()), 16); size > 0; size = Long.parseLong(stripExtensions(line()), 16)) {
          deliver(size, body);
          if (!line().isEmpty()) {
            throw new IOException("a chunk did not end with CRLF");
          }
        }
        while (!line().isEmpty()) {
          // trailers
        }
      } else if (length >= 0) {
        deliver(length, body);
      } else {
        // No length: the body ends with the connection.
        while (pos < lim || fill()) {
          body.bytes(buf, pos, lim - pos, readAt);
          pos = lim;
        }
        close = true;
      }
      if (close) {
        close();
      }
      return code;
    }

    private void deliver(long n, Body body) throws IOException {
      while (n > 0) {
        if (pos == lim && !fill()) {
          throw new EOFException("the connection closed inside a body");
        }
        int k = (int) Math.min(n, lim - pos);
        body.bytes(buf, pos, k, readAt);
        pos += k;
        n -= k;
      }
    }

    /** Reads more into the buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
      int n = in.read(buf, 0, buf.length);
      readAt = System.nanoTime();
      if (n < 0) {
        return false;
      }
      answered = true;
      pos = 0;
      lim = n;
      return true;
    }

    /** One CRLF-terminated line, without its end. */
    private String line() throws IOException {
      StringBuilder s = new StringBuilder(64);
      while (true) {
        if (pos == lim && !fill()) {
          throw new EOFException("the connection closed inside the head");
        }
        byte b = buf[pos++];
        if (b == '\n') {
          int end = s.length();
          return end > 0 && s.charAt(end - 1) == '\r' ? s.substring(0, end - 1) : s.toString();
        }
        s.append((char) (b & 0xff));
        if (s.length() > 8192) {
          throw new IOException("a header line longer than 8 KiB");
        }
      }
    }

    private static String stripExtensions(String sizeLine) {
      int semi = sizeLine.indexOf(';');
      return (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing to do about it.
      }
    }
  }
}
