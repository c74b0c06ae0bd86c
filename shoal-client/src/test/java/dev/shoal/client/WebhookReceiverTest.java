package dev.shoal.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The receiver over real HTTP: signed, fresh, new, JSON and small, or refused with the right status. */
class WebhookReceiverTest {

  /** The vector the orchestrator's sender is tested with too. */
  static final String SECRET = "whsec_test_secret_0123456789";
  static final long TIMESTAMP = 1764567890L;
  static final String BODY = "{\"id\":\"d1\",\"type\":\"task.finished\"}";
  static final String SIGNATURE = "v1=212deec445e0c31ddadd0db9532dae1205ced8ab0279d3defb33a0fe8678a8a6";

  private final BlockingQueue<WebhookEvent> events = new LinkedBlockingQueue<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private WebhookReceiver receiver;

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
    http.close();
  }

  private void start(long clockSeconds) {
    receiver =
        WebhookReceiver.builder(SECRET, events::add)
            .host("127.0.0.1")
            .path("/shoal")
            .clock(Clock.fixed(Instant.ofEpochSecond(clockSeconds), ZoneOffset.UTC))
            .start();
  }

  @Test
  void theTestVectorIsSignedAsComputedHereAndAccepted() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected = "v1=" + HexFormat.of().formatHex(mac.doFinal((TIMESTAMP + "." + BODY).getBytes(StandardCharsets.UTF_8)));
    assertThat(expected).isEqualTo(SIGNATURE);
    assertThat(WebhookSignatures.sign(SECRET, Long.toString(TIMESTAMP), BODY.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);

    start(TIMESTAMP);
    assertThat(post("d1", Long.toString(TIMESTAMP), expected, "application/json", BODY)).isEqualTo(204);

    WebhookEvent e = next();
    assertThat(e.id()).isEqualTo("d1");
    assertThat(e.type()).isEqualTo("task.finished");
    assertThat(e.timestamp()).isEqualTo(TIMESTAMP);
    assertThat(e.task()).isNull();
  }

  @Test
  void theVectorPublishedInApiMdIsAcceptedToo() throws Exception {
    String secret = "whsec-test-0123456789abcdef";
    String body =
        "{\"id\":\"8c1f0a52-2f7e-4d1c-9a3b-6f0d2e4b5c71\",\"type\":\"task.finished\",\"task\":\"j3k9.t\",\"state\":\"succeeded\","
            + "\"result_url\":\"/v1/tasks/j3k9.t/result\",\"error\":null,\"created_at\":1764567890123}";
    String signature = "v1=9cfe011a0ca84fcb4084312dec2751b6af0e91459056b15d8484b88ef410061a";
    assertThat(bytes(body)).hasSize(183);
    assertThat(WebhookSignatures.sign(secret, "1764567890", bytes(body))).isEqualTo(signature);

    receiver =
        WebhookReceiver.builder(secret, events::add)
            .host("127.0.0.1")
            .path("/shoal")
            .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC))
            .start();
    HttpRequest req =
        request("8c1f0a52-2f7e-4d1c-9a3b-6f0d2e4b5c71", "1764567890", signature, "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();

    assertThat(http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
    WebhookEvent e = next();
    assertThat(e.task()).isEqualTo("j3k9.t");
    assertThat(e.state()).isEqualTo("succeeded");
    assertThat(e.error()).isNull();
    assertThat(e.createdAt()).isEqualTo(1764567890123L);
  }

  @Test
  void aFullDeliveryIsParsed() throws Exception {
    start(TIMESTAMP);
    String body =
        "{\"id\": \"d2\", \"type\": \"task.finished\", \"task\": \"j3k.t\", \"state\": \"failed\","
            + " \"result_url\": \"/v1/tasks/j3k.t/result\", \"error\": {\"code\": \"task_failed\", \"message\": \"boom\"},"
            + " \"created_at\": 1764567890123}";

    assertThat(signedPost("d2", TIMESTAMP, body, "application/json; charset=utf-8")).isEqualTo(204);

    assertThat(next())
        .isEqualTo(
            new WebhookEvent(
                "d2", "task.finished", "j3k.t", "failed", "/v1/tasks/j3k.t/result",
                new TaskResult.TaskError("task_failed", "boom"), 1764567890123L, TIMESTAMP, body));
  }

  @Test
  void aBadOrMissingSignatureIsUnauthorized() throws Exception {
    start(TIMESTAMP);
    String ts = Long.toString(TIMESTAMP);
    String other = WebhookSignatures.sign("another_secret_of_length", ts, BODY.getBytes(StandardCharsets.UTF_8));

    assertThat(post("d1", ts, other, "application/json", BODY)).isEqualTo(401);
    assertThat(post("d1", ts, null, "application/json", BODY)).isEqualTo(401);
    assertThat(post("d1", ts, "v1=zz", "application/json", BODY)).isEqualTo(401);
    assertThat(post("d1", ts, SIGNATURE, "application/json", BODY.replace("d1", "d9"))).as("tampered body").isEqualTo(401);
    assertThat(post("d1", Long.toString(TIMESTAMP + 1), SIGNATURE, "application/json", BODY)).as("other timestamp").isEqualTo(401);
    assertOnlyTheNextAcceptedDeliveryIsSeen();
  }

  @Test
  void aTimestampMoreThanFiveMinutesOffEitherWayIsRefused() throws Exception {
    start(TIMESTAMP + 301);
    assertThat(signedPost("late", TIMESTAMP, "{\"id\":\"late\",\"type\":\"task.finished\"}", "application/json")).isEqualTo(400);
    receiver.close();
    start(TIMESTAMP - 301);
    assertThat(signedPost("early", TIMESTAMP, "{\"id\":\"early\",\"type\":\"task.finished\"}", "application/json")).isEqualTo(400);
    receiver.close();
    start(TIMESTAMP + 300);
    assertThat(signedPost("inTime", TIMESTAMP, "{\"id\":\"inTime\",\"type\":\"task.finished\"}", "application/json")).isEqualTo(204);
    assertThat(next().id()).isEqualTo("inTime");
  }

  @Test
  void anIdAlreadySeenIsAcknowledgedButNotDeliveredAgain() throws Exception {
    start(TIMESTAMP);

    assertThat(post("d1", Long.toString(TIMESTAMP), SIGNATURE, "application/json", BODY)).isEqualTo(204);
    // A redelivery (our 2xx was lost) must stop the sender's retries, not start them.
    assertThat(post("d1", Long.toString(TIMESTAMP), SIGNATURE, "application/json", BODY)).isEqualTo(200);
    // Even re-signed at another time: the id is what counts.
    assertThat(signedPost("d1", TIMESTAMP + 5, BODY, "application/json")).isEqualTo(200);

    assertThat(next().id()).isEqualTo("d1");
    assertOnlyTheNextAcceptedDeliveryIsSeen();
  }

  @Test
  void bodiesOverTheCapAreRefusedWithOrWithoutALength() throws Exception {
    start(TIMESTAMP);
    String big = "{\"id\":\"big\",\"type\":\"task.finished\",\"pad\":\"" + "x".repeat(64 << 10) + "\"}";

    assertThat(signedPost("big", TIMESTAMP, big, "application/json")).isEqualTo(413);
    HttpRequest chunked =
        request("big", Long.toString(TIMESTAMP), WebhookSignatures.sign(SECRET, Long.toString(TIMESTAMP), bytes(big)), "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes(big))))
            .build();
    // Refused mid-body: the JDK server closes the connection with the rest of the body unread, so
    // the sender may see the reset before it reads the 413 (a race of the two sockets). Either is
    // a refusal; what matters is that nothing is delivered.
    try {
      assertThat(http.send(chunked, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(413);
    } catch (java.io.IOException reset) {
      // "header parser received no bytes" or "Connection reset": the socket closed under it.
    }
    assertOnlyTheNextAcceptedDeliveryIsSeen();
  }

  @Test
  void onlySignedJsonObjectsNamingTheirOwnIdArePassedOn() throws Exception {
    start(TIMESTAMP);

    assertThat(signedPost("d1", TIMESTAMP, BODY, "text/plain")).isEqualTo(415);
    assertThat(signedPost("d1", TIMESTAMP, "not json", "application/json")).isEqualTo(400);
    assertThat(signedPost("d1", TIMESTAMP, "[1, 2]", "application/json")).isEqualTo(400);
    assertThat(signedPost("d1", TIMESTAMP, "{\"id\":\"d1\"}", "application/json")).as("no type").isEqualTo(400);
    assertThat(signedPost("other", TIMESTAMP, BODY, "application/json")).as("id mismatch").isEqualTo(400);
    assertThat(post("d1", "yesterday", SIGNATURE, "application/json", BODY)).isEqualTo(400);
    assertThat(post(null, Long.toString(TIMESTAMP), SIGNATURE, "application/json", BODY)).isEqualTo(400);
    HttpRequest get = HttpRequest.newBuilder(url("/shoal")).GET().build();
    assertThat(http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(405);
    HttpRequest elsewhere =
        request("d1", Long.toString(TIMESTAMP), SIGNATURE, "application/json").uri(url("/other")).POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
    assertThat(http.send(elsewhere, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
    assertOnlyTheNextAcceptedDeliveryIsSeen();
  }

  @Test
  void aCallbackThatThrowsDoesNotTakeTheReceiverDown() throws Exception {
    receiver =
        WebhookReceiver.builder(SECRET, e -> {
              events.add(e);
              throw new IllegalStateException("user bug");
            })
            .host("127.0.0.1")
            .path("/shoal")
            .clock(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC))
            .start();

    assertThat(signedPost("a", TIMESTAMP, "{\"id\":\"a\",\"type\":\"task.finished\"}", "application/json")).isEqualTo(204);
    assertThat(signedPost("b", TIMESTAMP, "{\"id\":\"b\",\"type\":\"task.finished\"}", "application/json")).isEqualTo(204);
    assertThat(next().id()).isIn("a", "b");
    assertThat(next().id()).isIn("a", "b");
  }

  /** Refusals never reach the callback: the first event it sees after them is the next accepted one. */
  private void assertOnlyTheNextAcceptedDeliveryIsSeen() throws Exception {
    assertThat(signedPost("marker", TIMESTAMP, "{\"id\":\"marker\",\"type\":\"task.finished\"}", "application/json")).isEqualTo(204);
    assertThat(next().id()).isEqualTo("marker");
  }

  private WebhookEvent next() throws InterruptedException {
    WebhookEvent e = events.poll(10, TimeUnit.SECONDS);
    assertThat(e).as("a delivery reached the callback").isNotNull();
    return e;
  }

  private int signedPost(String id, long timestamp, String body, String type) throws Exception {
    String ts = Long.toString(timestamp);
    return post(id, ts, WebhookSignatures.sign(SECRET, ts, bytes(body)), type, body);
  }

  private int post(String id, String timestamp, String signature, String type, String body) throws Exception {
    HttpRequest req = request(id, timestamp, signature, type).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private HttpRequest.Builder request(String id, String timestamp, String signature, String type) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url("/shoal"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", type)
            .header("User-Agent", "shoal-webhooks/1")
            .header("Shoal-Webhook-Timestamp", timestamp);
    if (id != null) {
      b.header("Shoal-Webhook-Id", id);
    }
    if (signature != null) {
      b.header("Shoal-Webhook-Signature", signature);
    }
    return b;
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + receiver.port() + path);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
