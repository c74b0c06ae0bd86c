package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.client.internal.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the orchestrator's webhooks (API.md, "Webhooks") on a port of its own and hands each
 * verified delivery to a callback. A delivery is accepted ({@code 204}) only if it is a {@code
 * POST} to the path with {@code Content-Type: application/json} ({@code 415} otherwise), a body
 * within the cap ({@code 413}), a valid {@code Shoal-Webhook-Signature} ({@code 401}), a
 * timestamp within the tolerance of this receiver's clock and well-formed JSON naming the same id
 * as its header ({@code 400}). An id accepted before is answered {@code 200} without calling back
 * again: that is the sender redelivering after our answer was lost, and a refusal would only make
 * it retry for minutes (a replayed capture gets the same, and changes nothing). The callback runs
 * after the answer is sent, on a virtual thread per delivery (so possibly concurrently): a slow
 * callback never makes the orchestrator time out and redeliver, and an exception from it is
 * logged, not retried.
 */
public final class WebhookReceiver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Ids accepted within the tolerance window are remembered; past it their timestamps are refused anyway. */
  private static final int MAX_REMEMBERED = 100_000;

  private final String secret;
  private final Consumer<WebhookEvent> callback;
  private final String path;
  private final int maxBodyBytes;
  private final Duration tolerance;
  private final Clock clock;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  /** Accepted ids and their delivery's timestamp (seconds). */
  private final Map<String, Long> seen = new ConcurrentHashMap<>();

  private WebhookReceiver(Builder b) {
    this.secret = b.secret;
    this.callback = b.callback;
    this.path = b.path;
    this.maxBodyBytes = b.maxBodyBytes;
    this.tolerance = b.tolerance;
    this.clock = b.clock;
    try {
      this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for webhooks on " + b.host + ":" + b.port + ": " + e.getMessage(), e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * A receiver that verifies deliveries with {@code secret} (the task's {@code webhook.secret} or
   * the orchestrator's webhook secret) and calls {@code callback} with each accepted one.
   */
  public static Builder builder(String secret, Consumer<WebhookEvent> callback) {
    return new Builder(secret, callback);
  }

  /** The port it listens on (the one chosen when 0 was asked for). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops listening; deliveries being answered are cut off. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
  }

  private void handle(HttpExchange ex) {
    Verdict v = null;
    try (ex) {
      v = verdict(ex);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      if (v.status() == 405) {
        ex.getResponseHeaders().set("Allow", "POST");
      }
      byte[] reason = v.reason().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(v.status(), v.status() == 204 ? -1 : reason.length);
      if (v.status() != 204) {
        ex.getResponseBody().write(reason);
      }
    } catch (IOException e) {
      // The sender did not get our 2xx, so it will redeliver: that must not be refused as a replay.
      if (v != null && v.event() != null) {
        seen.remove(v.event().id());
      }
      log.debug("event=webhook_answer_failed reason=\"{}\"", e.getMessage());
      return;
    }
    if (v.event() != null) {
      deliver(v.event());
    }
  }

  private void deliver(WebhookEvent event) {
    try {
      callback.accept(event);
    } catch (RuntimeException e) {
      log.warn("event=webhook_callback_failed id={} task={} error=\"{}\"", event.id(), event.task(), e.toString(), e);
    }
  }

  /** An answer, and the event when the delivery is accepted. */
  private record Verdict(int status, String reason, WebhookEvent event) {
    static Verdict refuse(int status, String reason) {
      return new Verdict(status, reason, null);
    }
  }

  private Verdict verdict(HttpExchange ex) throws IOException {
    if (!ex.getRequestURI().getPath().equals(path)) {
      return Verdict.refuse(404, "no webhook receiver at this path");
    }
    if (!"POST".equals(ex.getRequestMethod())) {
      return Verdict.refuse(405, "webhooks are POSTed");
    }
    if (!MediaTypes.is(ex.getRequestHeaders().getFirst("Content-Type"), "application/json")) {
      return Verdict.refuse(415, "a webhook's body must be application/json");
    }
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null && length.chars().allMatch(Character::isDigit) && (length.length() > 10 || Long.parseLong(length) > maxBodyBytes)) {
      return Verdict.refuse(413, "the body is over " + maxBodyBytes + " bytes");
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readNBytes(maxBodyBytes + 1);
    }
    if (body.length > maxBodyBytes) {
      return Verdict.refuse(413, "the body is over " + maxBodyBytes + " bytes");
    }
    String id = ex.getRequestHeaders().getFirst("Shoal-Webhook-Id");
    String timestamp = ex.getRequestHeaders().getFirst("Shoal-Webhook-Timestamp");
    String signature = ex.getRequestHeaders().getFirst("Shoal-Webhook-Signature");
    if (timestamp == null || !timestamp.matches("[0-9]{1,12}")) {
      return Verdict.refuse(400, "Shoal-Webhook-Timestamp is missing or not unix seconds");
    }
    if (!WebhookSignatures.matches(secret, timestamp, body, signature)) {
      return Verdict.refuse(401, "Shoal-Webhook-Signature does not match");
    }
    long at = Long.parseLong(timestamp);
    long now = clock.instant().getEpochSecond();
    if (Math.abs(now - at) > tolerance.toSeconds()) {
      return Verdict.refuse(400, "the timestamp is more than " + tolerance.toSeconds() + " s from this receiver's clock");
    }
    if (id == null || id.isEmpty() || id.length() > 256) {
      return Verdict.refuse(400, "Shoal-Webhook-Id is missing");
    }
    WebhookEvent event;
    try {
      event = event(body, at);
    } catch (IOException | IllegalArgumentException e) {
      return Verdict.refuse(400, "the body is not a webhook event: " + e.getMessage());
    }
    if (!event.id().equals(id)) {
      return Verdict.refuse(400, "the body's id is not Shoal-Webhook-Id");
    }
    forgetOld(now);
    if (seen.size() >= MAX_REMEMBERED) {
      return Verdict.refuse(503, "too many deliveries to remember; retry later");
    }
    if (seen.putIfAbsent(id, at) != null) {
      return new Verdict(200, "delivery " + id + " was already accepted", null);
    }
    return new Verdict(204, "", event);
  }

  private void forgetOld(long now) {
    seen.values().removeIf(at -> at + tolerance.toSeconds() < now);
  }

  private static WebhookEvent event(byte[] body, long timestamp) throws IOException {
    JsonNode j = MAPPER.readTree(body);
    if (j == null || !j.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    if (!j.path("id").isTextual() || !j.path("type").isTextual()) {
      throw new IllegalArgumentException("id or type is missing");
    }
    JsonNode error = j.path("error");
    return new WebhookEvent(
        j.path("id").textValue(),
        j.path("type").textValue(),
        text(j.path("task")),
        text(j.path("state")),
        text(j.path("result_url")),
        error.isObject() ? new TaskResult.TaskError(error.path("code").asText(""), error.path("message").asText("")) : null,
        j.path("created_at").asLong(0),
        timestamp,
        new String(body, StandardCharsets.UTF_8));
  }

  private static String text(JsonNode v) {
    return v.isTextual() ? v.textValue() : null;
  }

  /**
   * Defaults: every interface, a free port, path {@code /}, 64 KiB bodies, 5 minutes of
   * tolerance, the system clock.
   */
  public static final class Builder {
    private final String secret;
    private final Consumer<WebhookEvent> callback;
    private String host = "0.0.0.0";
    private int port;
    private String path = "/";
    private int maxBodyBytes = 64 << 10;
    private Duration tolerance = Duration.ofMinutes(5);
    private Clock clock = Clock.systemUTC();

    private Builder(String secret, Consumer<WebhookEvent> callback) {
      this.secret = Objects.requireNonNull(secret, "secret");
      this.callback = Objects.requireNonNull(callback, "callback");
    }

    public Builder host(String v) { host = Objects.requireNonNull(v); return this; }
    public Builder port(int v) { port = v; return this; }
    /** The one path deliveries are accepted on, e.g. {@code /shoal}. */
    public Builder path(String v) { path = Objects.requireNonNull(v); return this; }
    public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
    /** How far a delivery's timestamp may be from this receiver's clock, either way. */
    public Builder tolerance(Duration v) { tolerance = Objects.requireNonNull(v); return this; }
    /** The clock timestamps are checked against; tests set a fixed one. */
    public Builder clock(Clock v) { clock = Objects.requireNonNull(v); return this; }

    /** Validates, binds the port and starts answering. */
    public WebhookReceiver start() {
      if (secret.length() < 16) {
        throw new IllegalArgumentException("the webhook secret must have at least 16 characters");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in 0..65535, got " + port);
      }
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path must start with '/', got " + path);
      }
      if (maxBodyBytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + maxBodyBytes);
      }
      if (tolerance.isNegative() || tolerance.isZero()) {
        throw new IllegalArgumentException("tolerance must be positive, got " + tolerance);
      }
      WebhookReceiver r = new WebhookReceiver(this);
      r.server.start();
      return r;
    }
  }
}
