package dev.shoal.orchestrator.internal.webhooks;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A webhook receiver on loopback (the JDK's HTTP server): records every request and answers
 * with the statuses it is given, the last one repeated. {@link #hang} makes it read the request
 * and never answer (until closed).
 */
final class Receiver implements AutoCloseable {

  record Request(String path, Headers headers, byte[] body) {
    String header(String name) {
      return headers.getFirst(name);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Deque<Integer> statuses = new ArrayDeque<>(List.of(204));
  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger answered2xx = new AtomicInteger();
  private volatile boolean hang;

  private Receiver(HttpServer server) {
    this.server = server;
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  static Receiver http() throws IOException {
    return new Receiver(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
  }

  static Receiver https(SSLContext tls) throws IOException {
    HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new Receiver(s);
  }

  int port() {
    return server.getAddress().getPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** Answers these statuses in order, then the last one forever. */
  synchronized Receiver answer(Integer... codes) {
    statuses.clear();
    statuses.addAll(List.of(codes));
    return this;
  }

  Receiver hang() {
    hang = true;
    return this;
  }

  private synchronized int nextStatus() {
    return statuses.size() > 1 ? statuses.pollFirst() : statuses.peekFirst();
  }

  /** Requests answered 2xx. */
  int delivered() {
    return answered2xx.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    Headers seen = new Headers();
    seen.putAll(exchange.getRequestHeaders());
    if (hang) {
      requests.add(new Request(exchange.getRequestURI().toString(), seen, body));
      try {
        closing.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
      return;
    }
    int status = nextStatus();
    if (status >= 200 && status < 300) {
      answered2xx.incrementAndGet();
    }
    requests.add(new Request(exchange.getRequestURI().toString(), seen, body));
    if (status >= 300 && status < 400) {
      exchange.getResponseHeaders().add("Location", "/moved");
    }
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
