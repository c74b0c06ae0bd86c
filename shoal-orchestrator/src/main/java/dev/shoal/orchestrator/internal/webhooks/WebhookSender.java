package dev.shoal.orchestrator.internal.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Makes one webhook delivery: one signed {@code POST}, over a socket this class dials itself, so
 * the address checked by {@link TargetPolicy} is the address connected to (an HTTP client would
 * resolve the name again). HTTPS verifies the certificate against the URL's host name. Redirects
 * are never followed; only the status line is read. Thread-safe; blocks for up to the deadline,
 * so call it off any event loop.
 */
public final class WebhookSender {

  /** How a delivery went. */
  public sealed interface Outcome {

    /** The receiver answered 2xx. */
    record Delivered(int status) implements Outcome {}

    /** Anything else: a non-2xx status, a redirect, a timeout, a network or TLS error. Worth retrying. */
    record Failed(String reason) implements Outcome {}

    /** The target is not allowed (it resolves to a private address now): not worth retrying. */
    record Refused(String reason) implements Outcome {}
  }

  public static final String USER_AGENT = "shoal-webhooks/1";
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  static final Duration DEADLINE = Duration.ofSeconds(5);
  /** More than any status line; a receiver that sends more before a line break is not HTTP. */
  private static final int MAX_STATUS_LINE = 8192;
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] ([1-9][0-9]{2})(?: .*)?");

  private final TargetPolicy policy;
  private final SSLSocketFactory tls;
  private final long connectTimeoutNanos;
  private final long deadlineNanos;

  /** The documented limits (2 s to connect, 5 s in all) and the JDK's trusted certificates. */
  public WebhookSender(TargetPolicy policy) {
    this(policy, (SSLSocketFactory) SSLSocketFactory.getDefault(), CONNECT_TIMEOUT, DEADLINE);
  }

  WebhookSender(TargetPolicy policy, SSLSocketFactory tls, Duration connectTimeout, Duration deadline) {
    this.policy = policy;
    this.tls = tls;
    this.connectTimeoutNanos = connectTimeout.toNanos();
    this.deadlineNanos = deadline.toNanos();
  }

  /** The rules this sender dials by. */
  public TargetPolicy policy() {
    return policy;
  }

  /** Posts {@code body} to {@code url}, signed with {@code secret} at {@code timestampSeconds}. */
  public Outcome send(String url, String eventId, long timestampSeconds, byte[] body, String secret) {
    long deadline = System.nanoTime() + deadlineNanos;
    WebhookTarget target;
    List<InetAddress> addresses;
    try {
      target = policy.parse(url);
      addresses = policy.resolveChecked(target);
    } catch (TargetRefusedException e) {
      return new Outcome.Refused(e.getMessage());
    } catch (UnknownHostException e) {
      return new Outcome.Failed("cannot resolve " + e.getMessage());
    }
    byte[] head = head(target, eventId, timestampSeconds, body, secret);
    String lastError = "no address to connect to";
    for (InetAddress address : addresses) {
      Socket socket = new Socket();
      try {
        socket.connect(
            new InetSocketAddress(address, target.port()),
            millis(Math.min(connectTimeoutNanos, remaining(deadline))));
      } catch (IOException e) {
        close(socket);
        lastError = "cannot connect to " + address.getHostAddress() + ":" + target.port() + ": " + describe(e);
        continue;
      }
      // Connected: whatever happens now is this delivery's outcome.
      try {
        Socket s = target.https() ? handshake(socket, target, deadline) : socket;
        return exchange(s, head, body, deadline);
      } catch (SocketTimeoutException e) {
        return new Outcome.Failed("no answer within " + deadlineNanos / 1_000_000 + " ms");
      } catch (IOException e) {
        return new Outcome.Failed(describe(e));
      } finally {
        close(socket); // closing the plain socket closes a TLS layer over it too
      }
    }
    return new Outcome.Failed(lastError);
  }

  private Socket handshake(Socket socket, WebhookTarget target, long deadline) throws IOException {
    SSLSocket ssl = (SSLSocket) tls.createSocket(socket, target.host(), target.port(), true);
    SSLParameters params = ssl.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    if (target.literal() == null) {
      params.setServerNames(List.of(new SNIHostName(target.host())));
    }
    ssl.setSSLParameters(params);
    ssl.setSoTimeout(millis(remaining(deadline)));
    ssl.startHandshake();
    return ssl;
  }

  private Outcome exchange(Socket s, byte[] head, byte[] body, long deadline) throws IOException {
    // A write has no timeout in java.net; the request is a few hundred bytes, which socket buffers take whole.
    OutputStream out = s.getOutputStream();
    out.write(head);
    out.write(body);
    out.flush();
    String statusLine = readStatusLine(s, deadline);
    Matcher m = STATUS_LINE.matcher(statusLine);
    if (!m.matches()) {
      return new Outcome.Failed("the receiver did not answer HTTP/1.x");
    }
    int status = Integer.parseInt(m.group(1));
    if (status >= 200 && status < 300) {
      return new Outcome.Delivered(status);
    }
    if (status >= 300 && status < 400) {
      return new Outcome.Failed("redirect " + status + " not followed");
    }
    return new Outcome.Failed("HTTP " + status);
  }

  /** Reads up to the first line break, each read bounded by what is left of the deadline. */
  private static String readStatusLine(Socket s, long deadline) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[MAX_STATUS_LINE];
    int n = 0;
    while (n < buf.length) {
      long left = remaining(deadline);
      if (left <= 0) {
        throw new SocketTimeoutException();
      }
      s.setSoTimeout(millis(left));
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      for (int i = n; i < n + r; i++) {
        if (buf[i] == '\n') {
          int end = i > 0 && buf[i - 1] == '\r' ? i - 1 : i;
          return new String(buf, 0, end, StandardCharsets.ISO_8859_1);
        }
      }
      n += r;
    }
    return n == 0 ? "" : new String(buf, 0, Math.min(n, 64), StandardCharsets.ISO_8859_1);
  }

  private static byte[] head(WebhookTarget target, String eventId, long timestampSeconds, byte[] body, String secret) {
    String head = "POST " + target.requestTarget() + " HTTP/1.1\r\n"
        + "Host: " + target.hostHeader() + "\r\n"
        + "User-Agent: " + USER_AGENT + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + WebhookSignature.ID_HEADER + ": " + eventId + "\r\n"
        + WebhookSignature.TIMESTAMP_HEADER + ": " + timestampSeconds + "\r\n"
        + WebhookSignature.SIGNATURE_HEADER + ": " + WebhookSignature.sign(secret, timestampSeconds, body) + "\r\n"
        + "Connection: close\r\n"
        + "\r\n";
    return head.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static long remaining(long deadline) {
    return deadline - System.nanoTime();
  }

  /** Socket timeouts are whole milliseconds, and 0 would mean forever. */
  private static int millis(long nanos) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, nanos / 1_000_000));
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Nothing was sent on it; a failed close loses nothing.
    }
  }
}
