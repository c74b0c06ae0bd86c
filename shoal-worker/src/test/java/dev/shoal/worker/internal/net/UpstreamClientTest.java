package dev.shoal.worker.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's HTTP client against a scripted HTTP/1.1 server on a real socket (a stand-in for
 * the owner's model server, which is outside Shoal): each test scripts how the server answers,
 * misbehaves or hangs up, and checks what the client reports and which connections it used.
 */
class UpstreamClientTest {

  private static final long WAIT = 10;

  private ScriptedServer server;
  private UpstreamClient client;

  @AfterEach
  void close() throws IOException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private UpstreamClient clientFor(ScriptedServer s) {
    client = new UpstreamClient(URI.create("http://127.0.0.1:" + s.port() + "/v1"), EventLoops.shared());
    return client;
  }

  @Test
  void anAnswerIsReadOnTheEventLoopAndItsConnectionIsReusedForTheNext() throws Exception {
    server = new ScriptedServer((conn, n, request, out) -> respond(out, 200, "answer " + n + " to " + request.body));
    UpstreamClient c = clientFor(server);

    Collected first = post(c, "one");
    Collected second = post(c, "two");

    assertThat(first.result()).isEqualTo("200 answer 0 to one");
    assertThat(second.result()).isEqualTo("200 answer 1 to two");
    assertThat(server.accepted.get()).as("connections opened").isEqualTo(1);
    assertThat(server.requests.getFirst().head).startsWith("POST /v1/chat/completions HTTP/1.1").contains("x-probe: yes");
    assertThat(first.endThread).startsWith("shoal-worker-io");
  }

  @Test
  void aPooledConnectionTheServerDroppedIsRetriedOnceOnANewOne() throws Exception {
    // The second request reaches a connection the server closes without answering, as a server
    // dropping an idle keep-alive connection at that moment does.
    server = new ScriptedServer((conn, n, request, out) -> {
      if (conn == 0 && n == 1) {
        return false;
      }
      respond(out, 200, "ok " + conn);
      return true;
    });
    UpstreamClient c = clientFor(server);

    assertThat(post(c, "a").result()).isEqualTo("200 ok 0");
    assertThat(post(c, "b").result()).isEqualTo("200 ok 1");
    assertThat(server.accepted.get()).isEqualTo(2);
  }

  @Test
  void aServerThatClosesAfterEachAnswerIsNotAskedAgainOnTheSameConnection() throws Exception {
    server = new ScriptedServer((conn, n, request, out) -> {
      byte[] b = ("closing " + conn).getBytes(StandardCharsets.UTF_8);
      out.write(("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      return false;
    });
    UpstreamClient c = clientFor(server);

    assertThat(post(c, "a").result()).isEqualTo("200 closing 0");
    assertThat(post(c, "b").result()).isEqualTo("200 closing 1");
    assertThat(server.requests).hasSize(2);
  }

  @Test
  void aBodyWithoutLengthEndsWhenTheServerCloses() throws Exception {
    // HTTP/1.0 style: no Content-Length, no chunks; the close is the end, not a failure.
    server = new ScriptedServer((conn, n, request, out) -> {
      out.write("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"old\": true}".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return false;
    });
    Collected r = post(clientFor(server), "x");

    assertThat(r.result()).isEqualTo("200 {\"old\": true}");
    assertThat(r.failure).isNull();
  }

  @Test
  void aNewConnectionClosedBeforeAnsweringFailsWithoutARetry() throws Exception {
    server = new ScriptedServer((conn, n, request, out) -> false);
    Collected r = post(clientFor(server), "x");

    assertThat(r.failure).hasMessageContaining("closed before answering");
    assertThat(r.answered).isFalse();
    assertThat(server.accepted.get()).isEqualTo(1);
  }

  @Test
  void anAnswerCutShortFailsAsBrokenOff() throws Exception {
    server = new ScriptedServer((conn, n, request, out) -> {
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return false;
    });
    Collected r = post(clientFor(server), "x");

    assertThat(r.answered).isTrue();
    assertThat(r.failure).hasMessageContaining("before its answer ended");
    assertThat(r.body.toString(StandardCharsets.UTF_8)).isEqualTo("only ten b");
  }

  @Test
  void aMalformedStatusLineFails() throws Exception {
    server = new ScriptedServer((conn, n, request, out) -> {
      out.write("SMTP ready\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return true;
    });
    Collected r = post(clientFor(server), "x");

    assertThat(r.failure).isNotNull();
    assertThat(r.status).isZero();
  }

  @Test
  void aChunkedBodyArrivesPieceByPieceAsTheServerWritesIt() throws Exception {
    CountDownLatch firstSeen = new CountDownLatch(1);
    server = new ScriptedServer((conn, n, request, out) -> {
      chunkedHead(out);
      chunk(out, "first ");
      // The second piece waits until the client has handed the first over: no buffering.
      if (!firstSeen.await(WAIT, TimeUnit.SECONDS)) {
        throw new IOException("the client did not hand the first piece over");
      }
      chunk(out, "second");
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return true;
    });
    Collected r = new Collected() {
      @Override
      public boolean onContent(ByteBuffer bytes) {
        boolean more = super.onContent(bytes);
        firstSeen.countDown();
        return more;
      }
    };
    clientFor(server).post("/chat/completions", "x".getBytes(StandardCharsets.UTF_8), r);

    assertThat(r.done.get(WAIT, TimeUnit.SECONDS)).isEqualTo("200 first second");
    assertThat(r.pieces).containsExactly("first ", "second");
  }

  @Test
  void afterAStopTheRestIsSkippedAndTheConnectionServesTheNextRequest() throws Exception {
    server = new ScriptedServer((conn, n, request, out) -> {
      chunkedHead(out);
      chunk(out, "data: [DONE]\n\n");
      chunk(out, ": trailing comment\n\n");
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return true;
    });
    UpstreamClient c = clientFor(server);
    for (int i = 0; i < 2; i++) {
      Collected stopping = new Collected() {
        @Override
        public boolean onContent(ByteBuffer bytes) {
          super.onContent(bytes);
          done.complete("stopped");
          return false;
        }
      };
      c.post("/chat/completions", "x".getBytes(StandardCharsets.UTF_8), stopping);
      assertThat(stopping.done.get(WAIT, TimeUnit.SECONDS)).isEqualTo("stopped");
      assertThat(stopping.pieces).containsExactly("data: [DONE]\n\n");
    }
    // Both exchanges went over one connection, and neither reported anything after its stop.
    assertThat(post(c, "after").result()).startsWith("200");
    assertThat(server.accepted.get()).isEqualTo(1);
  }

  @Test
  void abortClosesTheConnectionTheServerIsWritingTo() throws Exception {
    CompletableFuture<Boolean> serverSawHangUp = new CompletableFuture<>();
    server = new ScriptedServer((conn, n, request, out) -> {
      chunkedHead(out);
      // Tokens without end: only the client's hang-up makes a write fail (socket buffers hide
      // it for a while, so keep writing until then or until the test's patience runs out).
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
      try {
        while (System.nanoTime() < giveUp) {
          chunk(out, "token ");
        }
        serverSawHangUp.complete(false);
      } catch (IOException e) {
        serverSawHangUp.complete(true);
      }
      return false;
    });
    CountDownLatch streaming = new CountDownLatch(1);
    Collected r = new Collected() {
      @Override
      public boolean onContent(ByteBuffer bytes) {
        streaming.countDown();
        return super.onContent(bytes);
      }
    };
    UpstreamClient.Exchange exchange = clientFor(server).post("/chat/completions", "x".getBytes(StandardCharsets.UTF_8), r);
    assertThat(streaming.await(WAIT, TimeUnit.SECONDS)).isTrue();

    exchange.abort();

    assertThat(serverSawHangUp.get(WAIT, TimeUnit.SECONDS)).as("the server's write failed").isTrue();
    assertThat(r.done).isNotDone();
    assertThat(r.failure).isNull();
  }

  @Test
  void anUnreachableServerFailsUnanswered() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    client = new UpstreamClient(URI.create("http://127.0.0.1:" + port), EventLoops.shared());
    Collected r = post(client, "x");

    assertThat(r.answered).isFalse();
    assertThat(r.failure).isNotNull();
  }

  @Test
  void httpsChecksTheServersCertificateAndItsName(@TempDir Path dir) throws Exception {
    KeyStore localhost = keyStore(dir, "localhost", "SAN=dns:localhost,ip:127.0.0.1");
    KeyStore elsewhere = keyStore(dir, "elsewhere", "SAN=dns:elsewhere.example");
    String base = "https://127.0.0.1:%d/v1";

    server = new ScriptedServer(tlsSocket(localhost), (conn, n, request, out) -> respond(out, 200, "over tls"));
    client = new UpstreamClient(URI.create(base.formatted(server.port())), EventLoops.shared(), trusting(localhost));
    assertThat(post(client, "x").result()).isEqualTo("200 over tls");
    client.close();

    // The JDK's own trust store does not know the self-signed certificate.
    client = new UpstreamClient(URI.create(base.formatted(server.port())), EventLoops.shared());
    Collected untrusted = post(client, "x");
    assertThat(untrusted.answered).isFalse();
    assertThat(untrusted.failure).hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);
    client.close();
    server.close();

    // A trusted certificate for another name is refused as well.
    server = new ScriptedServer(tlsSocket(elsewhere), (conn, n, request, out) -> respond(out, 200, "wrong host"));
    client = new UpstreamClient(URI.create(base.formatted(server.port())), EventLoops.shared(), trusting(elsewhere));
    Collected misnamed = post(client, "x");
    assertThat(misnamed.answered).isFalse();
    assertThat(misnamed.failure).hasRootCauseInstanceOf(java.security.cert.CertificateException.class);
    assertThat(server.requests).isEmpty();
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A self-signed certificate made by the JDK's keytool, as an owner's server would have. */
  private static KeyStore keyStore(Path dir, String name, String san) throws Exception {
    Path file = dir.resolve(name + ".p12");
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
            "-ext", san, "-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(),
            "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true)
        .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("keytool: %s", output).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      ks.load(in, "changeit".toCharArray());
    }
    return ks;
  }

  private static ServerSocket tlsSocket(KeyStore ks) throws Exception {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), null, null);
    return tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  private static TrustManagerFactory trusting(KeyStore ks) throws Exception {
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(ks);
    return trust;
  }

  private static Collected post(UpstreamClient c, String body) throws Exception {
    Collected r = new Collected();
    c.post("/chat/completions", body.getBytes(StandardCharsets.UTF_8), r, "x-probe", "yes");
    try {
      r.done.get(WAIT, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      // The failure is kept on the collector for the test to look at.
    }
    return r;
  }

  private static boolean respond(OutputStream out, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    out.write(("HTTP/1.1 " + status + " OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.write(b);
    out.flush();
    return true;
  }

  private static void chunkedHead(OutputStream out) throws IOException {
    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static void chunk(OutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(b);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** What one exchange reported. */
  private static class Collected implements UpstreamClient.Response {
    final CompletableFuture<String> done = new CompletableFuture<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    final List<String> pieces = new ArrayList<>();
    volatile int status;
    volatile Throwable failure;
    volatile boolean answered;
    volatile String endThread;

    @Override
    public void onStatus(int s) {
      status = s;
    }

    @Override
    public boolean onContent(ByteBuffer bytes) {
      byte[] b = new byte[bytes.remaining()];
      bytes.get(b);
      body.writeBytes(b);
      pieces.add(new String(b, StandardCharsets.UTF_8));
      return true;
    }

    @Override
    public void onEnd() {
      endThread = Thread.currentThread().getName();
      done.complete(status + " " + body.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void onFailure(Throwable cause, boolean wasAnswered) {
      failure = cause;
      answered = wasAnswered;
      done.completeExceptionally(cause);
    }

    String result() throws Exception {
      return done.get(WAIT, TimeUnit.SECONDS);
    }
  }

  /** One request as the server read it. */
  private record Request(String head, String body) {}

  /** Answers request {@code n} on connection {@code conn}; false closes the connection. */
  private interface Script {
    boolean answer(int conn, int n, Request request, OutputStream out) throws Exception;
  }

  /** An HTTP/1.1 server on a real socket that answers as its script says, a thread per connection. */
  private static final class ScriptedServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger accepted = new AtomicInteger();
    final List<Request> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Socket> connections = java.util.Collections.synchronizedList(new ArrayList<>());

    ScriptedServer(Script script) throws IOException {
      this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), script);
    }

    ScriptedServer(ServerSocket socket, Script script) {
      this.socket = socket;
      Thread.ofVirtual().start(() -> {
        while (!socket.isClosed()) {
          try {
            Socket s = socket.accept();
            connections.add(s);
            int conn = accepted.getAndIncrement();
            Thread.ofVirtual().start(() -> serve(s, conn, script));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    int port() {
      return socket.getLocalPort();
    }

    private void serve(Socket s, int conn, Script script) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        for (int n = 0; ; n++) {
          Request r = read(in);
          if (r == null) {
            return;
          }
          requests.add(r);
          if (!script.answer(conn, n, r, out)) {
            return;
          }
        }
      } catch (Exception e) {
        // The client hung up, or the script gave up: the connection ends either way.
      }
    }

    /** Reads a request head and its Content-Length body; null at end of stream. */
    private static Request read(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          return null;
        }
        head.write(b);
        matched = (b == '\r' || b == '\n') && (matched % 2 == 0 ? b == '\r' : b == '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String h = head.toString(StandardCharsets.US_ASCII);
      int length = 0;
      for (String line : h.split("\r\n")) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).strip());
        }
      }
      return new Request(h, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      socket.close();
      synchronized (connections) {
        for (Socket s : connections) {
          s.close();
        }
      }
    }
  }
}
